"""`warroom status ...`: the public status page (publish, components, maintenance, subscribers)."""

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
    print_table,
)

status_app = typer.Typer(help="The public status page", no_args_is_help=True)
component_app = typer.Typer(help="Status page components", no_args_is_help=True)
status_app.add_typer(component_app, name="component")


def _client() -> Any:
    from warroom.cli.client import client

    return client()


@status_app.command("publish")
def publish(
    number: int = IncidentArg,
    name: str = typer.Option(..., "--name", help="The public title"),
    component: list[str] = typer.Option(
        [],
        "--component",
        help="An affected component (repeatable); left out when publishing again: as before",
    ),
    message: str = typer.Option(
        None, help="The first public text; left out when publishing again: as before"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Show an incident on the public page (only its public name, components and texts).
    Again, to rename it: what is left out stays as published."""
    body: dict[str, Any] = {"number": number, "name": name}
    if component:
        body["components"] = component
    if message is not None:
        body["message"] = message
    with api_errors():
        out = _client().post("/api/v1/status/incidents", json=body)
    if as_json:
        print_json(out)
        return
    echo(f"published INC-{number} as {out['url']}")


@status_app.command("unpublish")
def unpublish(number: int = IncidentArg) -> None:
    """Take an incident off the public page."""
    with api_errors():
        _client().delete(f"/api/v1/status/incidents/{number}")
    echo(f"INC-{number} is no longer on the status page")


@component_app.command("list")
def component_list(as_json: bool = JsonOption) -> None:
    """Components and their current status."""
    with api_errors():
        items = _client().get("/api/v1/status/components")
    if as_json:
        print_json(items)
        return
    columns = [("key", "Key"), ("name", "Name"), ("group", "Group"), ("status", "Status")]
    print_table(items, columns)


@component_app.command("set")
def component_set(
    key: str = typer.Argument(..., help="The component (service key)"),
    status: str = typer.Argument(
        ..., help="operational, degraded_performance, partial_outage, major_outage, "
        "under_maintenance, or auto (back to the derived status)"
    ),
) -> None:  # fmt: skip
    """Override a component's status (admin)."""
    value = None if status == "auto" else status
    with api_errors():
        _client().put(f"/api/v1/status/components/{key}", json={"status": value})
    echo(f"{key}: {status}")


@status_app.command("maintenance")
def maintenance(
    name: str = typer.Option(..., "--name", help="What the maintenance is"),
    start: str = typer.Option(..., "--start", help="ISO 8601 with offset, e.g. 2026-05-01T22:00Z"),
    end: str = typer.Option(..., "--end", help="ISO 8601 with offset"),
    component: list[str] = typer.Option(
        [], "--component", help="A component key (repeatable); none: all"
    ),
    body: str = typer.Option("", "--body", help="What subscribers are told"),
    as_json: bool = JsonOption,
) -> None:
    """Announce a maintenance window; subscribers hear of it now, at its start and its end."""
    payload = {"name": name, "body": body, "components": component,
               "scheduled_for": start, "scheduled_until": end}  # fmt: skip
    with api_errors():
        out = _client().post("/api/v1/status/maintenances", json=payload)
    if as_json:
        print_json(out)
        return
    echo(
        f"maintenance {out['id']} scheduled"
        f" ({fmt_time(out['scheduled_for'])} to {fmt_time(out['scheduled_until'])})"
    )


@status_app.command("cancel-maintenance")
def cancel_maintenance(
    window: int = typer.Argument(..., help="The maintenance id"), as_json: bool = JsonOption
) -> None:
    """Take a maintenance window back (admin): not started, it is cancelled; under way, it
    ends now. Subscribers are told."""
    with api_errors():
        out = _client().post(f"/api/v1/status/maintenances/{window}/cancel")
    if as_json:
        print_json(out)
        return
    echo(f"maintenance {out['id']} {out['status']}")


@status_app.command("subscribers")
def subscribers(as_json: bool = JsonOption) -> None:
    """Subscribers of the page (admin; addresses are not shown)."""
    with api_errors():
        items = _client().get("/api/v1/status/subscribers")
    if as_json:
        print_json(items)
        return
    columns = [("id", "Id"), ("kind", "Kind"), ("confirmed", "Confirmed"), ("active", "Active")]
    print_table(items, columns)


@status_app.command("webhook")
def webhook(
    url: str = typer.Argument(..., help="An http(s) URL"),
    component: list[str] = typer.Option(
        [], "--component", help="A component key (repeatable); none: all"
    ),
) -> None:
    """Add a webhook subscriber (admin)."""
    with api_errors():
        out = _client().post(
            "/api/v1/status/subscribers", json={"url": url, "components": component}
        )
    echo(f"webhook subscriber {out['id']} added")
