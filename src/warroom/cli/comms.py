"""`warroom update N ...` (a status update) and `warroom brief N` (the incident brief)."""

from __future__ import annotations

import re
from typing import Any

import typer

from warroom.cli.output import IncidentArg, JsonOption, api_errors, fmt_time, print_json

STATES = "investigating, identified, monitoring or resolved"


def _api() -> Any:
    from warroom.cli.client import client

    return client()


def update(
    number: int = IncidentArg,
    state: str = typer.Option(..., "--state", help=STATES),
    internal: str = typer.Option(..., "--internal", help="Text for the incident's channels"),
    public: str = typer.Option(None, "--public", help="Text for the public status page"),
    next_update: str = typer.Option(None, "--next-update", help="When the next update is due: 30m"),
    force: bool = typer.Option(
        False, "--force", help="--state resolved: resolve even with mitigations still active"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Post a status update: internal text to the incident's channels, public text to the page."""
    body: dict[str, Any] = {
        "state": state,
        "internal": internal,
        "public": public,
        "next_update": next_update,
    }
    if force:
        body["force"] = True
    with api_errors():
        item = _api().post(f"/api/v1/incidents/{number}/updates", json=body)
    if as_json:
        print_json(item)
        return
    audience = "internal and public" if item["public_text"] else "internal"
    if item["state"] == "resolved":
        after = "incident resolved; no next update planned"
    else:
        due = item["next_update_at"]
        after = f"next update due {fmt_time(due) if due else 'no cadence'}"
    typer.echo(f"INC-{number}: {audience} update posted ({item['state']}); {after}")
    reached = item.get("reached") or []
    typer.echo(f"reached {len(reached)} channel(s)/people: {', '.join(reached) or 'nobody'}")
    if item.get("warning"):
        typer.secho(f"WARNING: {item['warning']}", fg="red", bold=True, err=True)
    if item.get("public_note"):
        typer.secho(f"NOTE: {item['public_note']}", fg="yellow", bold=True, err=True)


# Control characters but tab and newline. The brief quotes alert titles and people's texts,
# which may hold terminal controls: ESC ] 0;...BEL retitles the terminal, ESC [2J clears it,
# OSC 52 writes its clipboard. They are shown as \xNN, never sent to the terminal.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Text with each control character (tab and newline apart) written as \\xNN."""
    return _CONTROLS.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def brief(number: int = IncidentArg) -> None:
    """The incident brief: what a person joining the war room reads first (Markdown)."""
    with api_errors():
        text = _api().get(f"/api/v1/incidents/{number}/brief")
    text = text.decode("utf-8") if isinstance(text, bytes) else str(text)
    typer.echo(visible(text), nl=False)
