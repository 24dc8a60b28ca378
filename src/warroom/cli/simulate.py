"""`warroom simulate DIR`: see what a config does to an incident, hour by hour, no server needed."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import typer

from warroom.cli.output import JsonOption, _tz, fail, print_json

OPTION_OF = {
    "severity": "--severity",
    "labels": "--labels",
    "integration": "--integration",
    "service": "--service",
    "start": "--start",
    "ack_after": "--ack-after",
    "mitigate_after": "--mitigate-after",
    "resolve_after": "--resolve-after",
    "ack_by": "--ack-by",
    "hours": "--hours",
}


def simulate(
    directory: Path = typer.Argument(..., help="The config directory to play"),
    severity: str = typer.Option(None, "--severity", help="Open the incident at this severity"),
    labels: list[str] = typer.Option(
        [], "--labels", "-l", help="An alert label k=v (repeat): the alert goes through routing"
    ),
    integration: str = typer.Option(
        None, "--integration", help="The integration the alert came in by"
    ),
    service: str = typer.Option(None, "--service", help="The service key of the incident"),
    start: str = typer.Option(
        None, "--start", help="When it opens, e.g. 2026-03-10T03:00 (in --tz) or with an offset"
    ),
    tz: str = typer.Option(
        None, "--tz", help="Time zone of --start and of the output (default: local)"
    ),
    ack_after: str = typer.Option(None, "--ack-after", help="Acknowledge after, e.g. 12m"),
    mitigate_after: str = typer.Option(None, "--mitigate-after", help="Mitigate after, e.g. 40m"),
    resolve_after: str = typer.Option(None, "--resolve-after", help="Resolve after, e.g. 2h"),
    ack_by: str = typer.Option(
        None, "--ack-by", help="Who acknowledges (default: the first person paged)"
    ),
    hours: float = typer.Option(6.0, "--hours", help="How long to play"),
    compare_with: Path = typer.Option(
        None,
        "--compare-with",
        help="Another config directory (e.g. the current one): both runs side by side",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Play an incident on a fake clock through the real routing, schedules, escalation and
    severity ladders; print who is paged when, and the due times. Nothing is sent."""
    zone = _zone(tz)
    scenario = _scenario(
        severity=severity,
        labels=_labels(labels),
        integration=integration,
        service=service,
        start=_start(start, zone),
        ack_after=_delay(ack_after, "--ack-after"),
        mitigate_after=_delay(mitigate_after, "--mitigate-after"),
        resolve_after=_delay(resolve_after, "--resolve-after"),
        ack_by=ack_by,
        hours=hours,
    )
    after = _play(directory, scenario)
    before = _play(compare_with, scenario, compared=True) if compare_with is not None else None
    _show(before, after, as_json)


def _zone(name: str | None) -> tzinfo | None:
    """--tz, else the reader's zone as every command reads it (WARROOM_TZ, TZ), else the
    machine's: a real zone, so a start in summer is read with summer time."""
    if not name:
        return _tz() or machine_zone()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--tz: unknown time zone {name!r} (e.g. Europe/London, UTC)")


def machine_zone() -> tzinfo | None:
    """The zone /etc/localtime names (a link into the zoneinfo database); else today's offset,
    all the system tells."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        target = os.path.realpath("/etc/localtime")
        name = target.split("/zoneinfo/", 1)[1] if "/zoneinfo/" in target else ""
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return datetime.now().astimezone().tzinfo


def _start(text: str | None, zone: tzinfo | None) -> datetime:
    if not text:
        return datetime.now(zone).replace(second=0, microsecond=0)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"--start: {text!r} is not a time like 2026-03-10T03:00 or 2026-03-10T03:00+01:00")
    return when if when.tzinfo is not None else when.replace(tzinfo=zone)


def _delay(text: str | None, option: str) -> timedelta | None:
    if text is None:
        return None
    from warroom.config.types import parse_delay

    try:
        return parse_delay(text)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def _labels(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--labels: {pair!r} is not KEY=VALUE, e.g. --labels severity=critical")
        out[key.strip()] = value.strip()
    return out


def _scenario(**fields: Any) -> Any:
    from pydantic import ValidationError

    from warroom.simulation.schemas import Scenario

    try:
        return Scenario(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "options"
        fail(f"{OPTION_OF.get(name, name)}: {first['msg']}")


def _play(directory: Path, scenario: Any, *, compared: bool = False) -> Any:
    from warroom.errors import WarroomError
    from warroom.simulation import service

    if not directory.exists():
        fail(f"{directory}: no such config directory")
    doc, problems = service.load_config(directory)
    if problems:
        sys_lines = "\n".join(problems)
        fail(f"{directory} does not pass config check:\n{sys_lines}")
    try:
        return service.simulate(doc, scenario)
    except WarroomError as exc:
        option = OPTION_OF.get(exc.field or "", exc.field or "")
        # The other config may name things otherwise (SEV1 for P1): say which one refused.
        where = f" (in the --compare-with config {directory})" if compared else ""
        fail(f"{option}: {exc.message}{where}" if option else f"{exc.message}{where}")


def _show(before: Any, after: Any, as_json: bool) -> None:
    from warroom.cli.output import console
    from warroom.simulation import render

    if as_json:
        data = after.model_dump(mode="json")
        print_json(
            data if before is None else {"before": before.model_dump(mode="json"), "after": data}
        )
        return
    if before is None:
        render.print_result(after, console())
    else:
        render.print_comparison(before, after, console())


def play_directory(directory: Path, fields: dict[str, Any]) -> Any:
    """Play one scenario (Scenario fields; starts now, local time) through a config directory."""
    zone = _zone(None)
    scenario = _scenario(start=datetime.now(zone), **{k: v for k, v in fields.items() if v})
    return _play(directory, scenario)


def show_runs(before: Any, after: Any, as_json: bool) -> None:
    """Print one run, or two side by side (`config plan --simulate` uses this)."""
    _show(before, after, as_json)
