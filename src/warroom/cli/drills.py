"""`warroom drill ...`: start a drill (a practice incident marked DRILL), list drills, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from warroom.cli.output import (
    JsonOption,
    api_errors,
    echo,
    fail,
    fmt_time,
    in_reader_zone,
    print_json,
    print_table,
)

drill_app = typer.Typer(help="Drills: practice incidents, never public", no_args_is_help=True)


def _client() -> Any:
    from warroom.cli.client import client

    return client()


@drill_app.command("start")
def start(
    severity: str = typer.Option(..., "--severity", help="The drill's severity, e.g. P2"),
    service: str | None = typer.Option(None, "--service", help="The service it plays on"),
    scenario: Path | None = typer.Option(
        None, "--scenario", help="A scenario file (YAML steps of synthetic alerts)"
    ),
    title: str = typer.Option("", "--title", help="The drill incident's title"),
    participant: list[str] = typer.Option(
        [], "--participant", help="Who takes part and is paged (a target: oncall:core, user:EMAIL)"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Open a drill incident: every page and internal update says DRILL, nothing is public."""
    body: dict[str, Any] = {
        "severity": severity,
        "service": service,
        "title": title,
        "participants": participant,
    }
    if scenario is not None:
        try:
            body["scenario"] = scenario.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{scenario}: cannot read the scenario file: {exc}")
        body["scenario_name"] = str(scenario)
    with api_errors():
        out = _client().post("/api/v1/drills", json=body)
    if as_json:
        print_json(out)
        return
    steps = f", {out['steps']} scenario step(s) scheduled" if out["steps"] else ""
    echo(f"drill {out['ref']} started: {out['title']} [{out['severity']}]{steps}")


@drill_app.command("list")
def list_drills(as_json: bool = JsonOption) -> None:
    """Drills, newest first."""
    with api_errors():
        items = _client().get("/api/v1/drills")
    if as_json:
        print_json(items)
        return
    columns = [
        ("ref", "Drill"),
        ("title", "Title"),
        ("severity", "Sev"),
        ("status", "Status"),
        ("schedule", "Schedule"),
        ("started_at", "Started"),
    ]
    print_table(items, columns, formatters={"started_at": fmt_time})


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


@drill_app.command("report")
def report(
    since: str = typer.Option(
        "90d", "--since", help="How far back: 90d or an ISO date/time (your zone)"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Response figures of drills: time to acknowledge, mitigate, resolve; per drill, averaged."""
    with api_errors():
        out = _client().get("/api/v1/drills/report", params={"since": in_reader_zone(since)})
    if as_json:
        print_json(out)
        return
    if not out["drills"]:
        echo(f"no drills since {fmt_time(out['since'])}")
        return
    names = ("time_to_ack_s", "time_to_mitigate_s", "time_to_resolve_s")
    rows = list(out["drills"])
    rows.append({"ref": "average", "title": f"{out['count']} drill(s)", **out["average"]})
    columns = [
        ("ref", "Drill"),
        ("title", "Title"),
        ("severity", "Sev"),
        ("time_to_ack_s", "To ack"),
        ("time_to_mitigate_s", "To mitigate"),
        ("time_to_resolve_s", "To resolve"),
    ]
    print_table(
        rows,
        columns,
        title=f"Drills since {fmt_time(out['since'])}",
        formatters=dict.fromkeys(names, _span),
    )
