"""A simulation for people: who is paged when (table), the due times, and two runs compared."""

from __future__ import annotations

from typing import Any

from warroom.simulation.schemas import DueRow, PageRow, SimulationResult

PAGE_COLUMNS = ("+min", "time", "who", "contact", "step", "why")
# Below this many columns the "why" column would fold into shreds: each page's why goes on
# its own line(s) under the page instead.
NARROW = 110


def offset(minute: float) -> str:
    """+0m, +5m, +2.5m, +1h05m."""
    if minute < 60:
        return f"+{minute:g}m"
    hours, rest = divmod(minute, 60)
    text = f"{rest:g}"
    return f"+{int(hours)}h{text.zfill(2) if rest < 10 and rest == int(rest) else text}m"


def _when(row: PageRow | DueRow, attr: str) -> str:
    value = getattr(row, attr)
    return "-" if value is None else value.strftime("%a %H:%M")


def page_cells(row: PageRow) -> list[str]:
    """The table cells of one playback row."""
    return [offset(row.minute), _when(row, "at"), row.who, row.contact or "-", row.step, row.why]


def due_cells(row: DueRow) -> list[str]:
    """The table cells of one due-time row."""
    return [row.target, _when(row, "due_at"), _when(row, "done_at"), row.outcome]


def heading(result: SimulationResult) -> list[str]:
    """The lines above the tables: what was played, over which window."""
    services = ", ".join(result.services) or "none"
    lines = [
        f"{result.incident} {result.severity} · services: {services} · "
        f"escalation policy: {result.policy or 'none'}"
        + (f" · route: {result.route}" if result.route else ""),
        f"from {result.start:%Y-%m-%d %H:%M %Z} to {result.end:%Y-%m-%d %H:%M %Z} "
        f"({result.time_zone}) · status at the end: {result.status}",
    ]
    lines += [f"warning: {w}" for w in result.warnings]
    return lines


def _table(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        # Times and people stay on one line; the explanation wraps.
        table.add_column(column, overflow="fold", no_wrap=column in ("+min", "time", "who"))
    for cells in rows:
        table.add_row(*cells)
    return table


def narrow_page_lines(rows: list[list[str]], width: int) -> list[str] | None:
    """Who is paged when in `width` columns: one line per page, its why wrapped below it.

    None when even the line without the why does not fit (the table folds it then).
    """
    import textwrap

    head = list(PAGE_COLUMNS[:5])
    widths = [max(len(cells[i]) for cells in [head, *rows]) for i in range(5)]

    def line(cells: list[str]) -> str:
        return " " + "  ".join(v.ljust(w) for v, w in zip(cells, widths, strict=True)).rstrip()

    if sum(widths) + 2 * 4 + 1 > width:
        return None
    indent = " " * (widths[0] + 3)
    lines = [line(head), " " + "─" * (sum(widths) + 2 * 4)]
    for cells in rows:
        lines.append(line(cells[:5]))
        if cells[5] not in ("", "-"):
            lines += textwrap.wrap(
                f"why: {cells[5]}",
                width=width,
                initial_indent=indent,
                subsequent_indent=indent + "     ",
            )
    return lines


def print_result(result: SimulationResult, console: Any) -> None:
    """Print one simulation: heading, who is paged when, due times."""
    for line in heading(result):
        console.print(line, highlight=False, markup=False)
    pages = [page_cells(r) for r in result.rows]
    if not pages:
        pages = [["-", "-", "nobody is paged", "-", "-", "-"]]
    narrow = narrow_page_lines(pages, console.width) if console.width < NARROW else None
    if narrow is None:
        console.print(_table("Who is paged when", PAGE_COLUMNS, pages))
    else:
        console.print("[italic]Who is paged when[/]")
        console.print()
        for line in narrow:
            console.print(line, highlight=False, markup=False)
        console.print()
    dues = [due_cells(r) for r in result.due]
    console.print(_table("Due times", ("target", "due", "done", "outcome"), dues))


def _key(row: PageRow) -> tuple[float, str, str, str, str]:
    return (row.minute, row.kind, row.who, row.contact, row.step)


def compare_rows(before: SimulationResult, after: SimulationResult) -> list[list[str]]:
    """Union of both playbacks, each row marked with the run(s) it happened in."""
    seen: dict[tuple[float, str, str, str, str], tuple[PageRow, set[str]]] = {}
    for name, result in (("before", before), ("after", after)):
        for row in result.rows:
            entry = seen.setdefault(_key(row), (row, set()))
            entry[1].add(name)
    out = []
    for key in sorted(seen):
        row, runs = seen[key]
        marks = ["yes" if "before" in runs else "-", "yes" if "after" in runs else "-"]
        out.append([*page_cells(row)[:5], *marks])
    return out


def print_comparison(before: SimulationResult, after: SimulationResult, console: Any) -> None:
    """Both runs side by side: every row once, with a before and an after column."""
    console.print(f"before: {heading(before)[0]}", highlight=False, markup=False)
    console.print(f"after:  {heading(after)[0]}", highlight=False, markup=False)
    columns = (*PAGE_COLUMNS[:5], "before", "after")
    console.print(_table("Who is paged when", columns, compare_rows(before, after)))
    dues = [
        [b.target, _when(b, "due_at"), b.outcome, _when(a, "due_at"), a.outcome]
        for b, a in zip(before.due, after.due, strict=True)
    ]
    console.print(
        _table("Due times", ("target", "due before", "before", "due after", "after"), dues)
    )
