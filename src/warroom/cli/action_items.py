"""`warroom action-item list|add|show|update|done|export`: the follow-ups of incidents.

Not to be confused with `warroom action`, which runs mitigations during an incident.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from warroom.cli.output import (
    IncidentArg,
    IncidentOption,
    JsonOption,
    api_errors,
    echo,
    fmt_time,
    in_reader_zone,
    print_json,
)

action_item_app = typer.Typer(
    help="Action items: follow-ups of incidents with an owner, a priority and a due date"
)
LEVEL_HELP = "high or low"
DUE_HELP = (
    "A date (2026-03-01: by the end of that day) or a time (2026-03-01T17:00), in your zone "
    "(WARROOM_TZ) unless it names one"
)


def due_for_api(text: str) -> str:
    """A due date as the API is to read it: a date is the end of that day in the reader's zone
    (WARROOM_TZ, TZ or local), a time without an offset is in that zone, both sent with their
    offset, as every time the CLI reads; anything else goes as typed (the API judges it)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return in_reader_zone(text)
    return in_reader_zone(f"{day.isoformat()}T23:59:59")


def _api() -> Any:
    from warroom.cli.client import client

    return client()


def line(item: dict[str, Any]) -> str:
    """One line for an item: id, incident, priority, due, status, owner, title."""
    due = fmt_time(item["due_at"]) if item["due_at"] else "no due date"
    flag = "  OVERDUE" if item["overdue"] else ""
    drill = " (DRILL)" if item.get("drill") else ""  # a practice incident's follow-up
    return (
        f"#{item['id']}  {item['incident_ref']}{drill}  {item['priority']}  due {due}  "
        f"{item['status']}{flag}  {_owner(item)}  {item['title']}"
    )


def _owner(item: dict[str, Any]) -> str:
    """The owner, and why they can no longer act on the item when they cannot."""
    why = item.get("owner_cannot_act")
    return f"{item['owner']} ({why}: give it a new owner)" if why else str(item["owner"])


def _show(item: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(item)
        return
    echo(line(item))
    echo(
        f"  impact {item['impact']}, effort {item['effort']} -> {item['priority']} "
        f"({item['horizon']})"
    )
    if item["description"]:
        echo(f"  {item['description']}")
    export = item["export"]
    if export["state"]:
        where = export["url"] or export["ref"] or export["error"] or ""
        echo(f"  export: {export['state']} {where}".rstrip())


@action_item_app.command("list")
def list_items(
    overdue: bool = typer.Option(False, "--overdue", help="Only items past their due date"),
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's (e-mail)"),
    incident: int | None = IncidentOption,
    status: str | None = typer.Option(None, "--status", help="open, in_progress, done or wont_do"),
    as_json: bool = JsonOption,
) -> None:
    """Action items by due date (those without one last)."""
    params: dict[str, Any] = {"overdue": str(overdue).lower()}
    for name, value in (("owner", owner), ("incident", incident), ("status", status)):
        if value is not None:
            params[name] = value
    with api_errors():
        items = _api().get("/api/v1/action-items", params=params)
    if as_json:
        print_json(items)
        return
    if not items:
        echo("no overdue action items" if overdue else "no action items")
    for item in items:
        echo(line(item))


@action_item_app.command("add")
def add(
    incident: int = IncidentArg,
    title: str = typer.Option(..., "--title", "-t", help="What is to be done"),
    owner: str = typer.Option(..., "--owner", "-o", help="Who does it (a user's e-mail)"),
    impact: str = typer.Option(..., "--impact", help=LEVEL_HELP),
    effort: str = typer.Option(..., "--effort", help=LEVEL_HELP),
    due: str | None = typer.Option(None, "--due", help=f"{DUE_HELP}; default: the horizon's"),
    description: str = typer.Option("", "--description", "-d", help="More detail"),
    export: bool | None = typer.Option(
        None, "--export/--no-export", help="Send it to the issue tracker (default: config)"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Add an action item to an incident; impact x effort gives its priority and horizon."""
    body: dict[str, Any] = {"title": title, "owner": owner, "impact": impact, "effort": effort}
    body |= {"description": description}
    if due is not None:
        body["due"] = due_for_api(due)
    if export is not None:
        body["export"] = export
    with api_errors():
        item = _api().post(f"/api/v1/incidents/{incident}/action-items", json=body)
    _show(item, as_json)


@action_item_app.command("show")
def show(item_id: int = typer.Argument(..., metavar="ID"), as_json: bool = JsonOption) -> None:
    """One action item."""
    with api_errors():
        item = _api().get(f"/api/v1/action-items/{item_id}")
    _show(item, as_json)


@action_item_app.command("update")
def update(
    item_id: int = typer.Argument(..., metavar="ID"),
    title: str | None = typer.Option(None, "--title", "-t", help="A new title"),
    owner: str | None = typer.Option(None, "--owner", "-o", help="A user's e-mail"),
    impact: str | None = typer.Option(None, "--impact", help=LEVEL_HELP),
    effort: str | None = typer.Option(None, "--effort", help=LEVEL_HELP),
    due: str | None = typer.Option(None, "--due", help=DUE_HELP),
    no_due: bool = typer.Option(False, "--no-due", help="Clear the due date"),
    status: str | None = typer.Option(None, "--status", help="open, in_progress, done or wont_do"),
    description: str | None = typer.Option(None, "--description", "-d", help="A new description"),
    as_json: bool = JsonOption,
) -> None:
    """Change an action item (only the options given)."""
    given = {
        "title": title,
        "owner": owner,
        "impact": impact,
        "effort": effort,
        "due": None if due is None else due_for_api(due),
        "status": status,
        "description": description,
    }
    body: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if no_due:
        body["due"] = None
    with api_errors():
        item = _api().patch(f"/api/v1/action-items/{item_id}", json=body)
    _show(item, as_json)


@action_item_app.command("done")
def done(item_id: int = typer.Argument(..., metavar="ID"), as_json: bool = JsonOption) -> None:
    """Mark an action item done (its reminders stop)."""
    with api_errors():
        item = _api().patch(f"/api/v1/action-items/{item_id}", json={"status": "done"})
    _show(item, as_json)


@action_item_app.command("export")
def export(item_id: int = typer.Argument(..., metavar="ID"), as_json: bool = JsonOption) -> None:
    """Send an action item to the configured issue tracker (the engine does it, with retries)."""
    with api_errors():
        item = _api().post(f"/api/v1/action-items/{item_id}/export")
    _show(item, as_json)
