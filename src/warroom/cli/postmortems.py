"""`warroom postmortem list|show|edit|assign|submit|approve|return|publish|export`."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
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
    keep_existing,
    print_json,
    write_file,
)

postmortem_app = typer.Typer(help="Postmortems: draft, edit, review, publish, export")


def _api() -> Any:
    from warroom.cli.client import client

    return client()


def _path(number: int, tail: str = "") -> str:
    return f"/api/v1/incidents/{number}/postmortem{tail}"


PAUSED = "none (reopened)"


def _due(pm: dict[str, Any], *, why: bool = False) -> str:
    if pm.get("paused"):  # its incident is open again: owed from its next resolution
        return "none (incident reopened: due from its next resolution)" if why else PAUSED
    if pm.get("due_at") is None and pm.get("state") != "published":
        # No due time: its severity was lowered to one that requires none (docs/review.md).
        return f"none (not owed: {pm.get('severity')} requires none)" if why else "none (not owed)"
    due = fmt_time(pm.get("due_at"))
    return f"{due} OVERDUE" if pm.get("overdue") else due


@postmortem_app.command("list")
def list_postmortems(
    overdue: bool = typer.Option(False, "--overdue", help="Only those past due, not published"),
    state: str = typer.Option(None, "--state", help="draft, in_review or published"),
    as_json: bool = JsonOption,
) -> None:
    """List postmortems, soonest due first."""
    params: dict[str, Any] = {"overdue": str(overdue).lower()}
    if state:
        params["state"] = state
    with api_errors():
        data = _api().get("/api/v1/postmortems", params=params)
    if as_json:
        print_json(data)
        return
    from warroom.cli.output import print_table

    rows = [
        {
            **p,
            "ref": f"{p['ref']} (DRILL)" if p.get("drill") else p["ref"],
            "due": _due(p),
            "state": p["state"].replace("_", " "),
        }
        for p in data["postmortems"]
    ]
    columns = [("ref", "Incident"), ("severity", "Sev"), ("title", "Title"), ("state", "State")]
    print_table(rows, [*columns, ("author", "Author"), ("due", "Due")], title="Postmortems")
    # The count is a production figure: a drill's overdue postmortem is listed, not counted.
    drills = sum(1 for p in data["postmortems"] if p.get("drill") and p.get("overdue"))
    apart = f" (and {drills} of drills, not counted)" if drills else ""
    echo(f"{data['overdue']} overdue{apart}")


@postmortem_app.command("show")
def show(
    number: int = IncidentArg,
    as_json: bool = JsonOption,
) -> None:
    """Show an incident's postmortem: its state, reviewers and Markdown."""
    with api_errors():
        pm = _api().get(_path(number))
    if as_json:
        print_json(pm)
        return
    state = pm["state"].replace("_", " ")
    echo(f"{pm['ref']} postmortem: {state} (version {pm['version']})")
    echo(f"author: {pm['author'] or 'nobody yet'}   due: {_due(pm, why=True)}")
    approvals = [r for r in pm["reviews"] if r["withdrawn_at"] is None]
    for review in approvals:
        echo(f"approved by {review['reviewer']} at {fmt_time(review['approved_at'])}")
    if pm["state"] == "in_review":
        echo(f"approvals: {len(approvals)} of {pm['approvals_needed']} needed")
    if pm["generated"]:
        echo("(a draft generated from the incident; nobody has saved it yet)")
    echo("")
    echo(pm["markdown"], nl=False)


def _edit_text(text: str, number: int) -> tuple[str, Path]:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    handle, name = tempfile.mkstemp(prefix=f"INC-{number}-postmortem-", suffix=".md")
    path = Path(name)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    try:
        code = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
    except (OSError, ValueError) as exc:  # not found, not executable, unbalanced quotes
        path.unlink(missing_ok=True)
        fail(f"cannot run the editor ({editor}): {exc}; set VISUAL or EDITOR, or use --file")
    if code != 0:
        fail(f"the editor ({editor}) failed; your text is kept in {path}")
    return path.read_text(encoding="utf-8"), path


@postmortem_app.command("edit")
def edit(
    number: int = IncidentArg,
    file: Path = typer.Option(
        None, "--file", exists=True, dir_okay=False, help="Upload this Markdown instead of $EDITOR"
    ),
) -> None:
    """Edit the postmortem's Markdown in $EDITOR (or upload --file) and save it."""
    from warroom.cli.client import ApiError

    with api_errors():
        pm = _api().get(_path(number))
    if file is not None:
        try:
            text, kept = file.read_text(encoding="utf-8"), file
        except UnicodeDecodeError:
            fail(f"{file} is not UTF-8 text: nothing saved")
    else:
        text, kept = _edit_text(pm["markdown"], number)
        if text == pm["markdown"]:
            kept.unlink(missing_ok=True)
            echo("no change: nothing saved")
            return
    try:
        saved = _api().put(_path(number), json={"markdown": text, "version": pm["version"]})
    except ApiError as exc:
        fail(f"{exc.message}; your text is kept in {kept}")
    if file is None:
        kept.unlink(missing_ok=True)
    echo(f"{saved['ref']} postmortem saved (version {saved['version']})")


@postmortem_app.command("assign")
def assign(
    number: int = IncidentArg,
    author: str = typer.Option(None, "--author", help="The author's e-mail"),
    due: str = typer.Option(
        None,
        "--due",
        help="The due time (2026-03-01T17:00) or date (by the end of that day), in your zone "
        "(WARROOM_TZ) unless it names one",
    ),
) -> None:
    """Change the postmortem's author or due time."""
    from warroom.cli.action_items import due_for_api

    body = {k: v for k, v in (("author", author), ("due_at", due and due_for_api(due))) if v}
    if not body:
        fail("give --author or --due")
    with api_errors():
        pm = _api().patch(_path(number), json=body)
    echo(f"{pm['ref']} postmortem: author {pm['author']}, due {_due(pm)}")


@postmortem_app.command("create")
def create(
    number: int = IncidentArg,
    due_within_hours: float = typer.Option(None, "--due-within-hours", help="Default: severity's"),
) -> None:
    """Start a postmortem for a resolved incident whose severity does not require one."""
    body = {} if due_within_hours is None else {"due_within_hours": due_within_hours}
    with api_errors():
        pm = _api().post(_path(number), json=body)
    echo(f"{pm['ref']} postmortem: {pm['state']}, due {_due(pm)}")


def _step(number: int, tail: str, body: dict[str, Any] | None = None) -> None:
    with api_errors():
        pm = _api().post(_path(number, tail), json=body or {})
    state = pm["state"].replace("_", " ")
    approvals = [r for r in pm["reviews"] if r["withdrawn_at"] is None]
    echo(f"{pm['ref']} postmortem: {state} ({len(approvals)} approval(s))")


@postmortem_app.command("submit")
def submit(number: int = IncidentArg) -> None:
    """Send the draft for review."""
    _step(number, "/submit")


@postmortem_app.command("approve")
def approve(
    number: int = IncidentArg, note: str = typer.Option("", "--note", help="A reviewer's note")
) -> None:
    """Approve the postmortem in review (as a reviewer, not its author)."""
    _step(number, "/approve", {"note": note})


@postmortem_app.command("return")
def return_to_draft(
    number: int = IncidentArg, reason: str = typer.Option(..., "--reason", help="What to change")
) -> None:
    """Send the postmortem in review back to draft (its approvals are withdrawn)."""
    _step(number, "/return", {"reason": reason})


@postmortem_app.command("publish")
def publish(number: int = IncidentArg) -> None:
    """Publish the reviewed postmortem (final; the incident may then be closed)."""
    _step(number, "/publish")


@postmortem_app.command("export")
def export(
    number: int = IncidentArg,
    format: str = typer.Option("md", "--format", help="md or html"),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout"),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists"),
) -> None:
    """Export the postmortem as Markdown or a standalone HTML page (an existing --output is
    kept unless --force)."""
    if output is not None and not force:
        keep_existing(output, "--output")
    with api_errors():
        content = _api().get(_path(number, "/export"), params={"format": format}, raw=True)
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    if output is None:
        echo(text, nl=False)
    else:
        write_file(output, text)
        echo(f"wrote {output}")
