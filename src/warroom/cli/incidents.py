"""`warroom incident ...`: open, list, show and work an incident through the HTTP API."""

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

incident_app = typer.Typer(help="Incidents: open, list, show, move through the lifecycle")


def _api() -> Any:
    from warroom.cli.client import client

    return client()


@incident_app.command("open")
def open_incident(
    title: str = typer.Option(..., "--title", "-t", help="What is wrong, in a line"),
    severity: str = typer.Option(..., "--severity", "-s", help="A severity key, e.g. SEV2"),
    service: list[str] = typer.Option([], "--service", help="Affected service (repeatable)"),
    summary: str = typer.Option("", "--summary", help="More detail"),
    tag: list[str] = typer.Option([], "--tag", help="Tag (repeatable)"),
    private: bool = typer.Option(False, "--private", help="Only members and admins see it"),
    drill: bool = typer.Option(False, "--drill", help="A practice incident"),
    customer_facing: bool = typer.Option(
        None, "--customer-facing/--internal-only", help="Whether customers are affected"
    ),
    data_loss: str = typer.Option(None, "--data-loss", help="yes, no or unknown"),
    scope: str = typer.Option(None, "--scope", help="What is affected, in words"),
    affected: list[str] = typer.Option([], "--affected", help="Affected users or markets"),
    as_json: bool = JsonOption,
) -> None:
    """Open an incident and print its number."""
    body: dict[str, Any] = {
        "title": title,
        "severity": severity,
        "services": service,
        "summary": summary,
        "tags": tag,
        "private": private,
        "drill": drill,
        "source": "cli",
    }
    impact = {
        "customer_facing": customer_facing,
        "data_loss": data_loss,
        "scope": scope,
        "affected": affected or None,
    }
    if any(v is not None for v in impact.values()):
        body["impact"] = {k: v for k, v in impact.items() if v is not None}
    with api_errors():
        created = _api().post("/api/v1/incidents", json=body)
    if as_json:
        print_json(created)
    else:
        echo(f"Opened {created['ref']}: {created['title']} ({created['severity']})")


@incident_app.command("list")
def list_incidents(
    status: list[str] = typer.Option(
        [],
        "--status",
        help="triggered, acknowledged, mitigated, resolved or closed (repeatable)",
    ),
    severity: list[str] = typer.Option([], "--severity", help="A severity key (repeatable)"),
    service: str = typer.Option(None, "--service", help="Only incidents of this service"),
    since: str = typer.Option(
        None, "--since", help="ISO time, e.g. 2026-01-01T09:00 (your zone) or with an offset"
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=200, help="Incidents per page"),
    cursor: str = typer.Option(None, "--cursor", help="next_cursor of a previous page"),
    as_json: bool = JsonOption,
) -> None:
    """List incidents, newest first."""
    from warroom.cli.paging import parse_when  # naive: WARROOM_TZ/local, as everywhere

    params: dict[str, Any] = {"status": status, "severity": severity, "limit": limit}
    if since:
        since = parse_when(since, "--since")
    for key, value in (("service", service), ("since", since), ("cursor", cursor)):
        if value:
            params[key] = value
    with api_errors():
        page = _api().get("/api/v1/incidents", params=params)
    if as_json:
        print_json(page)
        return
    rows = [{**i, "services": ", ".join(i["services"])} for i in page["items"]]
    print_table(
        rows,
        [
            ("ref", "Incident"),
            ("status", "Status"),
            ("severity", "Sev"),
            ("title", "Title"),
            ("services", "Services"),
            ("opened_at", "Opened"),
        ],
        formatters={"opened_at": fmt_time},
    )
    if page["next_cursor"]:
        echo(f"more: --cursor {page['next_cursor']}")


@incident_app.command("show")
def show(number: int = IncidentArg, as_json: bool = JsonOption) -> None:
    """Everything a responder joining at 3am needs, on one screen."""
    from warroom.cli.incident_screen import render

    with api_errors():
        data = screen_data(_api(), number)
    if as_json:
        print_json(data)
    else:
        render(data)


# The most alerts the alerts list answers at once: a storm incident holding more is shown as
# "at least" this many rather than as the list's default page of 100.
ALERTS_SHOWN = 1000


def screen_data(api: Any, number: int) -> dict[str, Any]:
    """What `incident show` needs, from the API (paging parts only where paging knows it)."""
    from warroom.cli.client import ApiError

    base = f"/api/v1/incidents/{number}"
    incident = api.get(base)
    try:
        escalation = api.get(f"{base}/escalation")
    except ApiError as exc:
        if exc.status != 404:
            raise
        escalation = None
    events = api.get(f"{base}/timeline", params={"limit": 10, "newest_first": "true"})
    severities = api.get("/api/v1/severities", params={"include_inactive": "true"})
    return {
        "incident": incident,
        # The incident's severity as configured: whether it pages at all, for the Pages block.
        "severity": next((s for s in severities if s["key"] == incident["severity"]), None),
        "escalation": escalation,
        "page_rows": api.get(f"{base}/pages"),
        "alerts": api.get(
            "/api/v1/alerts", params={"incident_id": incident["id"], "limit": ALERTS_SHOWN}
        ),
        "alerts_limit": ALERTS_SHOWN,
        "evidence": api.get(f"{base}/evidence"),
        "hypotheses": api.get(f"{base}/hypotheses"),
        "tasks": api.get(f"{base}/tasks"),
        "runbooks": api.get(f"{base}/runbooks", params={"steps": "false"}),
        "mitigations": api.get(f"{base}/actions", params={"active": "true"}),
        "effect_unknown": api.get(f"{base}/actions", params={"effect_unknown": "true"}),
        "events": events["items"][::-1],
        # Every level, rung or manual page that found nobody to page: the Pages block says so
        # loudly, however far back in the timeline it is.
        "nobody_paged": api.get(
            f"{base}/timeline", params={"kind": "paging:page:nobody", "limit": 20}
        )["items"],
    }


def _move(action: str, past: str) -> None:
    """Register `warroom incident <action> N [--note ...]`."""

    def command(
        number: int = IncidentArg,
        note: str = typer.Option("", "--note", "-m", help="Why, for the timeline"),
        force: bool = typer.Option(
            False, "--force", help="resolve: even with mitigations still active"
        ),
        as_json: bool = JsonOption,
    ) -> None:
        body: dict[str, object] = {"note": note}
        if force:
            body["force"] = True
        with api_errors():
            result = _api().post(f"/api/v1/incidents/{number}/{action}", json=body)
        if as_json:
            print_json(result)
        else:
            echo(f"{result['ref']} is now {result['status']}")

    command.__doc__ = f"Mark an incident {past}."
    incident_app.command(action)(command)


for _action, _past in (
    ("ack", "acknowledged"),
    ("mitigate", "mitigated"),
    ("resolve", "resolved"),
    ("close", "closed"),
    ("reopen", "reopened"),
):
    _move(_action, _past)


@incident_app.command("severity")
def severity(
    number: int = IncidentArg,
    new: str = typer.Argument(..., help="The new severity key"),
    reason: str = typer.Option(..., "--reason", "-r", help="Why, for the timeline"),
) -> None:
    """Raise or lower an incident's severity, with a reason."""
    with api_errors():
        result = _api().post(
            f"/api/v1/incidents/{number}/severity", json={"severity": new, "reason": reason}
        )
    echo(f"{result['ref']} is now {result['severity']}")


@incident_app.command("role")
def role(
    number: int = IncidentArg,
    name: str = typer.Argument(
        ...,
        help="incident_commander, scribe, communications_lead, operations_lead, "
        "on_call_engineer or subject_matter_expert",
    ),
    email: str = typer.Argument(..., help="Who"),
    remove: bool = typer.Option(False, "--remove", help="Take the role away"),
) -> None:
    """Assign (or hand over, or remove) a role."""
    with api_errors():
        api = _api()
        if remove:
            api.delete(f"/api/v1/incidents/{number}/roles/{name}/{email}")
            echo(f"INC-{number}: {email} no longer {name}")
        else:
            api.post(f"/api/v1/incidents/{number}/roles", json={"role": name, "user_email": email})
            echo(f"INC-{number}: {email} is {name}")


@incident_app.command("note")
def note(
    number: int = IncidentArg, text: str = typer.Argument(...), as_json: bool = JsonOption
) -> None:
    """Add a note to the timeline."""
    with api_errors():
        event = _api().post(f"/api/v1/incidents/{number}/notes", json={"text": text})
    if as_json:
        print_json(event)
    else:
        echo(f"INC-{number}: note #{event['seq']} added")


@incident_app.command("star")
def star(
    number: int = IncidentArg,
    seq: int = typer.Argument(..., help="The event's # in the timeline"),
    off: bool = typer.Option(False, "--off", help="Unstar"),
) -> None:
    """Star a timeline event (starred events lead the postmortem)."""
    with api_errors():
        _api().post(f"/api/v1/incidents/{number}/timeline/{seq}/star", json={"starred": not off})
    echo(f"INC-{number}: event #{seq} {'unstarred' if off else 'starred'}")
