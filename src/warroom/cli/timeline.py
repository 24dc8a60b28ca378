"""`warroom timeline N`: an incident's events, oldest first; and how one event reads."""

from __future__ import annotations

from typing import Any

import typer

from warroom.audit import (  # not audit.service: the CLI starts without SQLAlchemy
    phrasing,
    sentences,
)
from warroom.cli.output import (
    IncidentArg,
    JsonOption,
    api_errors,
    fmt_time,
    print_json,
)


def describe(event: dict[str, Any]) -> str:
    """A short human sentence for an event (the same on every screen: warroom.audit.sentences),
    its times in the reader's zone like the When column beside it (sentences say UTC)."""
    payload = event.get("payload")
    text = sentences.describe(str(event.get("kind", "")), payload)
    if not isinstance(payload, dict):
        return text
    for key, value in payload.items():
        if not _zoned_time(value):
            continue
        said = phrasing.at(payload, key)  # the time as the sentence says it, in UTC
        local = fmt_time(value)  # 2026-01-03 21:00:00 JST: to the minute, as said
        text = text.replace(said, f"{local[:16]}{local[19:]}")
    return text


def _zoned_time(value: Any) -> bool:
    """An ISO 8601 time of day with its offset (what `phrasing.at` turns into UTC)."""
    from datetime import datetime

    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def timeline(
    number: int = IncidentArg,
    star: bool = typer.Option(False, "--star", help="Only starred events"),
    kind: str = typer.Option(None, "--kind", help="Only kinds starting with this"),
    limit: int = typer.Option(100, "--limit", min=1, max=500, help="Events per page"),
    everything: bool = typer.Option(False, "--all", help="Follow every page"),
    as_json: bool = JsonOption,
) -> None:
    """Show an incident's timeline (oldest first)."""
    from warroom.cli.client import client

    params: dict[str, Any] = {"limit": limit}
    if star:
        params["starred"] = "true"
    if kind:
        params["kind"] = kind
    items: list[dict[str, Any]] = []
    with api_errors():
        api = client()
        while True:
            page = api.get(f"/api/v1/incidents/{number}/timeline", params=params)
            items += page["items"]
            if not everything or not page["next_cursor"]:
                break
            params["cursor"] = page["next_cursor"]
    if as_json:
        print_json(items)
        return
    _print_events(items, f"INC-{number} timeline")


def _print_events(items: list[dict[str, Any]], title: str) -> None:
    """Events at 80 columns: #, when, who, and what happened as a sentence (no wrapped kinds)."""
    from rich.table import Table
    from rich.text import Text

    from warroom.cli.output import console

    out = console()
    table = Table(title=title, title_justify="left", box=None)
    table.add_column("#", no_wrap=True, justify="right")
    table.add_column("When", no_wrap=True)
    # Cut to fit 80 columns; whole in a pipe or a wide terminal.
    who_width = 16 if out.width < 120 else None
    table.add_column("Who", overflow="ellipsis", no_wrap=True, max_width=who_width)
    table.add_column("What", overflow="fold", ratio=1)
    for event in items:
        star = "★" if event["starred"] else ""
        when = fmt_time(event["occurred_at"])[5:19]
        # Text, not markup: what people wrote ("[urgent] ...") is shown as written.
        table.add_row(f"{star}{event['seq']}", when, Text(event["actor"]), Text(describe(event)))
    out.print(table)
