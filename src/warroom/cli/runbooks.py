"""`warroom runbook import|list|show|attach` and `warroom step done|skip|block|todo|note`."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import typer

from warroom.cli.output import (
    IncidentArg,
    JsonOption,
    api_errors,
    echo,
    fail,
    fmt_time,
    print_json,
    print_table,
    write_file,
)

runbook_app = typer.Typer(
    help="Runbooks: import Markdown, list, show, attach", no_args_is_help=True
)
step_app = typer.Typer(help="Tick the steps of an incident's runbooks", no_args_is_help=True)


def _client() -> Any:
    from warroom.cli.client import client

    return client()


@runbook_app.command("import")
def import_runbook(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A Markdown document"),
    out: Path = typer.Option(..., "--out", help="Directory to write the runbook(s) into"),
    split: bool = typer.Option(False, "--split", help="One file per runbook/scenario inside"),
    force: bool = typer.Option(
        False, "--force", help="Overwrite runbook files of the same id that differ"
    ),
) -> None:
    """Parse a Markdown runbook and write it in warroom's runbook form (front matter + steps).

    A file of the same id already in --out is left alone when it holds the same runbook; one
    that differs (a runbook edited by hand since) is not overwritten without --force."""
    from warroom.runbooks.markdown import RunbookError, parse, render
    from warroom.runbooks.split import split as split_doc

    try:
        doc = parse(_read_document(file))
        pieces = split_doc(doc) if split else [doc]
    except RunbookError as exc:
        fail(f"{file}:{exc.line}: {exc.reason}" if exc.line else f"{file}: {exc}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    kept: list[list[str]] = []
    for n, piece in enumerate(pieces):
        pieces[n], names = _keep_attach_rules(piece, out / f"{piece.id}.md")
        kept.append(names)
    texts = [(out / f"{piece.id}.md", render(piece)) for piece in pieces]
    if not force:
        _refuse_overwrites(texts)
    for piece, (target, text), names in zip(pieces, texts, kept, strict=True):
        same = _holds(target, text)
        if not same:
            write_file(target, text)
        steps = list(piece.steps())
        commands = sum(1 for s in steps if s.kind == "command")
        notes = (["unchanged"] if same else []) + (
            [f"front matter kept from the file: {', '.join(names)}"] if names else []
        )
        note = f" ({'; '.join(notes)})" if notes else ""
        echo(f"{target}: {piece.title} ({len(steps)} steps, {commands} commands){note}")


ATTACH_RULES = ("services", "severities", "matchers")


def _keep_attach_rules(piece: Any, target: Path) -> tuple[Any, list[str]]:
    """The piece with the attach rules (front matter services, severities, matchers) that the
    file it replaces has and the document does not give: a team adds them to the imported file
    so that it attaches, and importing the document again must not drop them."""
    from warroom.runbooks.markdown import RunbookError, parse

    try:
        old = parse(target.read_text(encoding="utf-8")) if target.is_file() else None
    except (OSError, UnicodeDecodeError, RunbookError):
        return piece, []
    if old is None:
        return piece, []
    names = [n for n in ATTACH_RULES if getattr(old, n) and not getattr(piece, n)]
    return piece.model_copy(update={n: getattr(old, n) for n in names}), names


def _holds(target: Path, text: str) -> bool:
    """Whether `target` is already a file holding `text`'s runbook: exactly that text, or one
    that parses to the same runbook (front matter written by hand in another YAML style)."""
    from warroom.runbooks.markdown import RunbookError, parse

    try:
        if not target.is_file():
            return False
        held = target.read_bytes()
        if held == text.encode("utf-8"):
            return True
        return parse(held.decode("utf-8")).version() == parse(text).version()
    except (OSError, UnicodeDecodeError, RunbookError):
        return False


def _refuse_overwrites(texts: list[tuple[Path, str]]) -> None:
    """Stop, writing nothing, if a file would be overwritten with something else."""
    taken = [str(t) for t, text in texts if t.exists() and not _holds(t, text)]
    if taken:
        fail(
            f"{', '.join(taken)} already exist{'s' if len(taken) == 1 else ''} with other "
            "content (a runbook of the same id, perhaps edited by hand): nothing written; "
            "move it away, or import with --force to overwrite"
        )


def _read_document(file: Path) -> str:
    """The document's text: UTF-8, or UTF-16 with its byte order mark (as Windows editors
    save "Unicode" text); anything else fails naming the line of its first bad byte."""
    raw = file.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            fail(f"{file}: starts as UTF-16 text but is not; save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        fail(
            f"{file}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
            "save it as UTF-8 and import it again"
        )


@runbook_app.command("list")
def list_runbooks(as_json: bool = JsonOption) -> None:
    """The configured runbooks."""
    with api_errors():
        rows = _client().get("/api/v1/runbooks")
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["applies"] = ", ".join(row["named_by_services"] + row["services"] + row["severities"])
    columns = [("key", "Key"), ("title", "Title"), ("steps", "Steps"), ("applies", "Services")]
    print_table(rows, [*columns, ("version", "Version")])


def _print_doc(doc: dict[str, Any]) -> None:
    def nodes(items: list[dict[str, Any]], depth: int) -> None:
        for node in items:
            pad = "  " * depth
            if node["kind"] == "step":
                echo(f"{pad}{node['number']:>3}. {node['text']}")
            elif node["kind"] == "command":
                echo(f"{pad}{node['number']:>3}. $ {node['code'].rstrip()}")
            nodes(node.get("children") or [], depth + 1)

    for section in doc["sections"]:
        if section["title"]:
            kind = f"  [{section['kind']}]" if section.get("kind") else ""
            echo(f"\n{section['title']}{kind}")
        nodes(section["nodes"], 0)


@runbook_app.command("show")
def show_runbook(key: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """A runbook's sections and numbered steps."""
    with api_errors():
        row = _client().get(f"/api/v1/runbooks/{key}")
    if as_json:
        print_json(row)
        return
    echo(f"{row['key']}: {row['title']} (version {row['version']})")
    _print_doc(row["document"])


@runbook_app.command("attach")
def attach(number: int = IncidentArg, key: str = typer.Argument(...)) -> None:
    """Attach a runbook to an incident as a checklist."""
    with api_errors():
        run = _client().post(f"/api/v1/incidents/{number}/runbooks", json={"key": key})
    echo(f"INC-{number}: attached {run['runbook']} ({run['progress']['line']})")


def _target(number: int, step: str) -> tuple[str, int]:
    key, _, raw = step.rpartition(":")
    if not raw.isdigit():
        fail(f"{step!r} is not a step: give N or RUNBOOK:N")
    if not key:
        with api_errors():
            runs = _client().get(f"/api/v1/incidents/{number}/runbooks", params={"steps": False})
        keys = [r["runbook"] for r in runs["runs"]]
        if len(keys) != 1:
            fail(f"INC-{number} has {len(keys)} runbooks ({', '.join(keys)}): give RUNBOOK:N")
        key = keys[0]
    return key, int(raw)


def _move(number: int, step: str, state: str, reason: str) -> None:
    key, n = _target(number, step)
    with api_errors():
        run = _client().put(
            f"/api/v1/incidents/{number}/runbooks/{key}/steps/{n}",
            json={"state": state, "reason": reason},
        )
    echo(f"INC-{number} {key} step {n}{_named(run, n)}: {state} ({run['progress']['line']})")


def _named(run: dict[str, Any], number: int) -> str:
    """ " (Promote the replica)": what the step says, so the answer shows which was ticked."""
    step = next((s for s in run.get("steps") or [] if s["number"] == number), None)
    if step is None:
        return ""
    return f" ({_step_text(step, 60)})"


def _step_text(step: dict[str, Any], width: int | None = None) -> str:
    """A step's text on one line (a command step: `$ ` and its first line)."""
    if step["kind"] == "command":
        lines = step["code"].strip().splitlines() or [""]
        text = "$ " + lines[0] + (" …" if len(lines) > 1 else "")
    else:
        text = " ".join(step["text"].split())
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


StepArg = typer.Argument(..., help="The step: N, or RUNBOOK:N when several are attached")


@step_app.command("done")
def done(number: int = IncidentArg, step: str = StepArg) -> None:
    """Mark a step done."""
    _move(number, step, "done", "")


@step_app.command("skip")
def skip(
    number: int = IncidentArg,
    step: str = StepArg,
    reason: str = typer.Option(..., "--reason", "-r", help="Why it is skipped"),
) -> None:
    """Skip a step, with a reason."""
    _move(number, step, "skipped", reason)


@step_app.command("block")
def block(
    number: int = IncidentArg,
    step: str = StepArg,
    reason: str = typer.Option("", "--reason", "-r", help="What it waits for"),
) -> None:
    """Mark a step blocked."""
    _move(number, step, "blocked", reason)


@step_app.command("todo")
def todo(number: int = IncidentArg, step: str = StepArg) -> None:
    """Put a step back to todo."""
    _move(number, step, "todo", "")


@step_app.command("note")
def note(number: int = IncidentArg, step: str = StepArg, text: str = typer.Argument(...)) -> None:
    """Add a note to a step."""
    key, n = _target(number, step)
    with api_errors():
        run = _client().post(
            f"/api/v1/incidents/{number}/runbooks/{key}/steps/{n}/notes", json={"text": text}
        )
    echo(f"INC-{number} {key} step {n}{_named(run, n)}: noted")


@step_app.command("list")
def list_steps(
    number: int = IncidentArg,
    key: str = typer.Argument(None, help="Only this runbook (default: every one attached)"),
    as_json: bool = JsonOption,
) -> None:
    """The incident's checklists: each step's number, state, who changed it, its notes.

    The numbers are the run's own (the runbook version it started with), which are the ones
    `warroom step done` takes; `warroom runbook show` shows the runbook as configured now."""
    with api_errors():
        runs = _client().get(f"/api/v1/incidents/{number}/runbooks")["runs"]
    if key is not None:
        keys = ", ".join(r["runbook"] for r in runs) or "none"
        runs = [r for r in runs if r["runbook"] == key]
        if not runs:
            fail(f"no runbook {key!r} on INC-{number} (attached: {keys})")
    if as_json:
        print_json(runs)
        return
    if not runs:
        echo(f"INC-{number} has no runbook attached: `warroom runbook attach INC-{number} KEY`")
        return
    for i, run in enumerate(runs):
        if i:
            echo()
        _print_run(run)


def _print_run(run: dict[str, Any]) -> None:
    echo(f"{run['runbook']}: {run['title']} (version {run['version']}) {run['progress']['line']}")
    section: str | None = None
    for step in run["steps"]:
        if step["section"] != section:
            section = step["section"]
            if section:
                echo(f"\n{section}")
        pad = "  " * step["depth"]
        echo(f"{pad}{step['number']:>3}. [{step['state']}] {_step_text(step)}")
        if step["kind"] == "command" and "\n" in step["code"].strip():
            for line in step["code"].strip().splitlines()[1:]:
                echo(f"{pad}       {line}")
        if step["changed_by"] and step["state"] != "todo":
            why = f": {step['reason']}" if step["reason"] else ""
            when = fmt_time(step["changed_at"])
            echo(f"{pad}       {step['state']} by {step['changed_by']} {when}{why}")
        for note in step["notes"]:
            echo(f"{pad}       note by {note['by']} {fmt_time(note['at'])}: {note['text']}")


def print_progress(out: Any, runbooks: dict[str, Any] | None) -> None:
    """The Runbooks block of `warroom incident show`: a line per runbook, then kept links."""
    from rich.markup import escape

    if not runbooks or not (runbooks["runs"] or runbooks["links"]):
        return
    out.print(f"[bold]Runbooks[/] ({len(runbooks['runs'])} attached)")
    for run in runbooks["runs"]:
        line = run["progress"]["line"]
        out.print(f"  {escape(run['runbook'])}: {line}  {escape(run['title'])}")
    for link in runbooks["links"]:
        out.print(f"  link: {escape(link['url'])}")
