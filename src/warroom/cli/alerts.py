"""`warroom alerts`, `warroom silence add|list|expire`, `warroom route test`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from warroom.cli.output import (
    INCIDENT_HINT,
    JsonOption,
    api_errors,
    echo,
    fail,
    fmt_time,
    incident_number,
    print_json,
    print_table,
)

silence_app = typer.Typer(
    help="Silence alerts for a while (stored, but no incident, no page)", no_args_is_help=True
)
route_app = typer.Typer(help="Alert routing", no_args_is_help=True)


def _labels(pairs: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for pair in pairs:
        for part in pair.split(","):
            name, sep, value = part.partition("=")
            if not sep or not name.strip():
                fail(f"--labels wants name=value, got {part!r}")
            labels[name.strip()] = value.strip()
    return labels


def list_alerts(
    status: str = typer.Option(None, help="open, firing or resolved"),
    service: str = typer.Option(None, help="Service key"),
    integration: str = typer.Option(None, help="Integration key"),
    incident: int = typer.Option(
        None,
        "--incident",
        "-i",
        metavar="INC-N",
        help=f"Only the alerts of this incident: {INCIDENT_HINT}",
        parser=incident_number,
    ),
    incident_id: int = typer.Option(
        None, "--incident-id", hidden=True, help="Deprecated: the incident's database id"
    ),
    suppressed: bool = typer.Option(
        None, "--suppressed/--not-suppressed", help="Only alerts silenced (or not)"
    ),
    label: list[str] = typer.Option([], "--label", help='Matcher, e.g. severity=~"crit.*"'),
    limit: int = typer.Option(50, help="At most this many"),
    as_json: bool = JsonOption,
) -> None:
    """List alerts, newest first."""
    from warroom.cli.client import client

    if incident is not None and incident_id is not None:
        fail("give --incident (a number such as INC-42), not also --incident-id")
    if incident is not None:
        # The API filters by the incident's database id: look it up from its number.
        with api_errors():
            incident_id = int(client().get(f"/api/v1/incidents/{incident}")["id"])
    params: dict[str, Any] = {
        "status": status,
        "service": service,
        "integration": integration,
        "incident_id": incident_id,
        "suppressed": None if suppressed is None else str(suppressed).lower(),
        "label": label or None,
        "limit": limit,
    }
    with api_errors():
        rows = client().get(
            "/api/v1/alerts", params={k: v for k, v in params.items() if v is not None}
        )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["where"] = row.get("suppressed_by") or (
            f"INC-{row['incident_number']}" if row.get("incident_number") else "-"
        )
    print_table(
        rows,
        [
            ("id", "ID"),
            ("status", "Status"),
            ("severity", "Sev"),
            ("service", "Service"),
            ("summary", "Summary"),
            ("count", "Seen"),
            ("last_seen_at", "Last seen"),
            ("where", "Incident / suppressed"),
        ],
        formatters={"last_seen_at": fmt_time},
    )


@silence_app.command("add")
def silence_add(
    matcher: list[str] = typer.Option(..., "--matcher", "-m", help='e.g. service="checkout"'),
    comment: str = typer.Option(..., "--comment", "-c", help="Why"),
    duration: str = typer.Option("2h", help="How long, e.g. 30m, 2h, 1d"),
    starts_at: str = typer.Option(None, help="ISO time (default: now)"),
    as_json: bool = JsonOption,
) -> None:
    """Silence alerts matching every matcher."""
    from warroom.cli.client import client

    body = {"matchers": matcher, "comment": comment, "duration": duration}
    if starts_at:
        body["starts_at"] = starts_at
    with api_errors():
        silence = client().post("/api/v1/silences", json=body)
    if as_json:
        print_json(silence)
    else:
        echo(f"silence {silence['id']} until {fmt_time(silence['ends_at'])}")


@silence_app.command("list")
def silence_list(
    all_: bool = typer.Option(False, "--all", help="Include expired silences"),
    as_json: bool = JsonOption,
) -> None:
    """Active and pending silences."""
    from warroom.cli.client import client

    with api_errors():
        rows = client().get("/api/v1/silences", params={"all": str(all_).lower()})
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["matchers"] = ", ".join(row["matchers"])
    print_table(
        rows,
        [
            ("id", "ID"),
            ("state", "State"),
            ("matchers", "Matchers"),
            ("ends_at", "Ends"),
            ("author", "Author"),
            ("comment", "Comment"),
        ],
        formatters={"ends_at": fmt_time},
    )


@silence_app.command("expire")
def silence_expire(silence_id: int) -> None:
    """End a silence now."""
    from warroom.cli.client import client

    with api_errors():
        client().post(f"/api/v1/silences/{silence_id}/expire")
    echo(f"silence {silence_id} expired")


def _offline(config: Path, labels: dict[str, str], integration: str) -> dict[str, Any]:
    from warroom import wiring
    from warroom.config import service as config_service
    from warroom.intake.routing import group_key
    from warroom.intake.state import compile_document

    wiring.install()
    doc, problems = config_service.load_directory(config)
    if problems:
        for line in problems:
            echo(line, err=True)
        fail(f"{config} has {len(problems)} problem(s)")
    cfg = compile_document(doc.raw(), [])
    decision = cfg.router.decide(integration, labels, labels.get("severity"))
    return {**decision.to_json(), "group_key": group_key(decision, labels, "-")}


@route_app.command("test")
def route_test(
    labels: list[str] = typer.Option(..., "--labels", "-l", help="name=value (repeat or comma)"),
    integration: str = typer.Option("", help="Integration key the alert arrives on"),
    config: Path = typer.Option(None, "--config", help="Use this config dir instead of the API"),
    as_json: bool = JsonOption,
) -> None:
    """Show which route(s) an alert with these labels takes, and what they decide."""
    parsed = _labels(labels)
    if config is not None:
        result = _offline(config, parsed, integration)
    else:
        from warroom.cli.client import client

        with api_errors():
            result = client().post(
                "/api/v1/intake/routes/test", json={"labels": parsed, "integration": integration}
            )
    if as_json:
        print_json(result)
        return
    echo(f"{'routes:':<15}{' -> '.join(result['routes']) or '(none: built-in default)'}")
    for key in ("service", "severity", "group_by", "runbooks", "open_incident", "suppressed_by"):
        if key in result:
            echo(f"{key + ':':<15}{result[key]}")
