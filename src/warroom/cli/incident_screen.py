"""The `warroom incident show` screen: status, due times, roles, hypotheses, tasks, events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warroom.cli.output import console, fmt_time
from warroom.cli.timeline import describe

DUE = (
    ("acknowledge", "acknowledge_by", "acknowledge_overdue", "acknowledged_at"),
    ("respond (start work)", "respond_by", "respond_overdue", "responded_at"),
    ("resolve", "resolve_by", "resolve_overdue", "resolved_at"),
    ("internal update", "next_internal_update_by", "internal_update_overdue", None),
    ("external update", "next_external_update_by", "external_update_overdue", None),
)
STATUS_STYLE = {
    "triggered": "bold white on red",
    "acknowledged": "bold black on yellow",
    "mitigated": "bold black on cyan",
    "resolved": "bold black on green",
    "closed": "dim",
}
HYPOTHESIS_STYLE = {"investigating": "yellow", "confirmed": "bold red", "unlikely": "dim"}


def _ago(value: str) -> str:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    minutes = int(abs((datetime.now(UTC) - when).total_seconds()) // 60)
    text = f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
    return f"{text} ago" if when <= datetime.now(UTC) else f"in {text}"


def _due_lines(incident: dict[str, Any]) -> list[str]:
    due = incident["due"]
    lines = []
    for label, key, late, met in DUE:
        if not due.get(key):
            continue
        if met and incident.get(met):
            state = f"[green]met[/] at {fmt_time(incident[met])}"
        elif due.get(late):
            state = f"[bold red]OVERDUE[/] since {fmt_time(due[key])} ({_ago(due[key])})"
        else:
            state = f"by {fmt_time(due[key])} ({_ago(due[key])})"
        lines.append(f"  {label:<20} {state}")
    return lines or ["  (no targets for this severity)"]


def render(data: dict[str, Any]) -> None:
    """Print the screen with Rich."""
    from rich.markup import escape

    out = console()
    inc = data["incident"]
    flags = "".join(f" [reverse] {f.upper()} [/]" for f in ("drill", "private") if inc.get(f))
    out.rule(f"[bold]{inc['ref']}[/]  {escape(inc['title'])}{flags}")
    style = STATUS_STYLE.get(inc["status"], "bold")
    out.print(
        f"[{style}] {inc['status'].upper()} [/]  severity [bold]{inc['severity']}[/]  "
        f"opened {fmt_time(inc['opened_at'])} ({_ago(inc['opened_at'])}) by {inc['created_by']}"
    )
    if inc.get("unpaged"):
        out.print(f"[bold red reverse] NOBODY PAGED [/] [bold red]{escape(inc['unpaged'])}[/]")
    if inc["services"]:
        out.print(f"services: {', '.join(inc['services'])}")
    if inc.get("tags"):
        out.print(f"tags: {escape(', '.join(inc['tags']))}")
    impact = inc.get("impact") or {}
    if impact.get("scope") or impact.get("customer_facing") is not None:
        facing = {True: "customer-facing", False: "internal", None: "impact unknown"}
        scope = f"; {escape(impact['scope'])}" if impact.get("scope") else ""
        affected = ", ".join(impact.get("affected") or [])
        out.print(
            f"impact: {facing[impact.get('customer_facing')]}, data loss "
            f"{impact.get('data_loss', 'unknown')}{scope}"
            + (f"; affected: {escape(affected)}" if affected else "")
        )
    if inc.get("summary"):
        out.print(escape(inc["summary"]))
    out.print("[bold]Due[/]")
    for line in _due_lines(inc):
        out.print(line)
    out.print("[bold]Roles[/]")
    if not inc["roles"]:
        out.print("  [red]nobody holds a role[/] — `warroom incident role N incident_commander ME`")
    for held in inc["roles"]:
        out.print(f"  {held['role']:<22} {held['user_email']}")
    _pages(out, inc.get("pages") or [])
    _work(out, data)
    _events(out, data["events"])
    actions = ", ".join(inc["allowed_actions"]) or "none (closed)"
    out.print(f"[bold]Next[/]: {actions}")


PAGE_STYLE = {"sent": "green", "failed": "bold red", "queued": "yellow", "sending": "yellow"}


def _pages(out: Any, pages: list[dict[str, Any]]) -> None:
    """Each page's messages: who, through which channel, and what the provider answered."""
    from rich.markup import escape

    failed = sum(1 for p in pages if p["state"] == "failed")
    out.print(f"[bold]Pages[/] ({len(pages)} messages, {failed} failed)")
    for p in pages:
        style = PAGE_STYLE.get(p["state"], "")
        retrying = p["state"] == "queued" and p["attempts"] > 0
        state = "RETRYING" if retrying else p["state"].upper()
        answer = (p.get("provider_answer") or "").strip().splitlines()
        said = f" — {escape(answer[-1][:100])}" if answer and p["state"] != "sent" else ""
        out.print(
            f"  {escape(p.get('person') or '?'):<28} {escape(p['channel']):<10} "
            f"[{style}]{state:<8}[/] x{p['attempts']}{said}"
        )


def _work(out: Any, data: dict[str, Any]) -> None:
    from rich.markup import escape

    live = [h for h in data["hypotheses"] if h["status"] != "ruled_out"]
    ruled_out = len(data["hypotheses"]) - len(live)
    out.print(f"[bold]Hypotheses[/] ({ruled_out} ruled out)")
    for h in live:
        style = HYPOTHESIS_STYLE.get(h["status"], "")
        owner = f" — {h['owner']}" if h.get("owner") else ""
        out.print(
            f"  {h['id']:>4} [{style}]{h['status'].upper():<13}[/] {escape(h['text'])}{owner}"
        )
    open_tasks = [t for t in data["tasks"] if not t["done"]]
    out.print(f"[bold]Tasks[/] ({len(open_tasks)} open of {len(data['tasks'])})")
    for t in data["tasks"]:
        box = "[green]✓[/]" if t["done"] else "☐"
        who = f" @{t['assignee']}" if t.get("assignee") else ""
        out.print(f"  {t['id']:>4} {box} {escape(t['text'])}{who}")


def _events(out: Any, events: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="Last events", title_justify="left", box=None, show_header=False)
    table.add_column("#", no_wrap=True, min_width=4)
    table.add_column("When", no_wrap=True, min_width=8)
    table.add_column("Who", overflow="ellipsis", no_wrap=True, max_width=24)
    table.add_column("Kind", no_wrap=True)
    table.add_column("What", overflow="fold", ratio=1)
    for event in events:
        star = "★" if event["starred"] else " "
        table.add_row(
            f"{star}{event['seq']}",
            fmt_time(event["occurred_at"])[11:19],  # the time of day; the date is above
            event["actor"],
            event["kind"],
            describe(event),
        )
    out.print(table)
