"""`warroom update N ...` (a status update) and `warroom brief N` (the incident brief)."""

from __future__ import annotations

from typing import Any

import typer

from warroom.cli.output import (
    IncidentArg,
    JsonOption,
    api_errors,
    echo,
    fmt_time,
    print_json,
    secho,
)

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
    echo(f"INC-{number}: {audience} update posted ({item['state']}); {after}")
    reached = item.get("reached") or []
    echo(f"reached {len(reached)} channel(s)/people: {', '.join(reached) or 'nobody'}")
    if item.get("warning"):
        secho(f"WARNING: {item['warning']}", fg="red", bold=True, err=True)
    if item.get("public_note"):
        secho(f"NOTE: {item['public_note']}", fg="yellow", bold=True, err=True)
    if item.get("cadence_note"):
        secho(f"NOTE: {item['cadence_note']}", fg="yellow", bold=True, err=True)


def brief(number: int = IncidentArg) -> None:
    """The incident brief: what a person joining the war room reads first (Markdown)."""
    with api_errors():
        text = _api().get(f"/api/v1/incidents/{number}/brief")
    text = text.decode("utf-8") if isinstance(text, bytes) else str(text)
    echo(text, nl=False)
