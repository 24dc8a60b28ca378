"""`warroom report`: the analytics of a period as tables, JSON or a standalone HTML file.

warroom report --since 30d
warroom report --since 2026-01-01 --until 2026-04-01 --json
warroom report --since 90d --html report.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from warroom.cli.client import client
from warroom.cli.output import (
    JsonOption,
    _tz,
    api_errors,
    console,
    echo,
    fail,
    fmt_time,
    in_reader_zone,
    keep_existing,
    print_json,
)
from warroom.cli.simulate import machine_zone

WHEN = "an age such as 30d or 12h, or an ISO date or time such as 2026-03-01 (your zone)"


def report(
    since: str = typer.Option("30d", "--since", help=f"Start: {WHEN}"),
    until: str | None = typer.Option(None, "--until", help=f"End (default now): {WHEN}"),
    service: str | None = typer.Option(None, "--service", help="Only this service"),
    severity: str | None = typer.Option(None, "--severity", help="Only this severity"),
    bucket: str | None = typer.Option(None, "--bucket", help="day, week or month"),
    as_json: bool = JsonOption,
    html: Path | None = typer.Option(
        None, "--html", help="Also write a standalone HTML report with charts to this file"
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the --html file if it exists"),
) -> None:
    """Response times, targets met, incidents and on-call load of a period (drills apart)."""
    if html is not None and not force:
        keep_existing(html, "--html")
    params = {
        "since": in_reader_zone(since),
        "until": None if until is None else in_reader_zone(until),
        "service": service,
        "severity": severity,
        "bucket": bucket,
        "tz": _zone_name(),
    }
    with api_errors():
        data = client().get(
            "/api/v1/analytics", params={k: v for k, v in params.items() if v is not None}
        )
    if as_json:
        print_json(data)
    else:
        _print(data)
    if html is not None:
        _write_html(data, html)


def _zone_name() -> str | None:
    """The reader's zone by its IANA name (WARROOM_TZ, TZ, else the machine's), for the API to
    count days, weeks and months in; None when the system names none (the API's UTC then)."""
    from zoneinfo import ZoneInfo

    zone = _tz() or machine_zone()
    return zone.key if isinstance(zone, ZoneInfo) else None


def _write_html(data: dict[str, Any], path: Path) -> None:
    from warroom.review.analytics import report_html
    from warroom.review.analytics.schemas import AnalyticsReport

    try:
        page = report_html.render(AnalyticsReport.model_validate(data), _tz() or machine_zone())
        path.write_text(page, "utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    echo(f"wrote {path}", err=True)


def _times_row(key: str, t: dict[str, Any]) -> list[str]:
    from warroom.review.analytics.report_html import duration

    cells = [key]
    for metric in ("mtta", "mttm", "mttr"):
        cells += [duration(t[metric]["mean_s"]), duration(t[metric]["median_s"])]
    cells.append(str(t["mttr"]["count"]))
    return cells


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _print(data: dict[str, Any]) -> None:
    from rich.table import Table

    from warroom.review.analytics.report_html import percent

    out = console()
    incidents = data["incidents"]
    out.print(
        f"{fmt_time(data['since'])} to {fmt_time(data['until'])}: "
        f"{_count(incidents['total'], 'incident')} "
        f"(drills apart: {data['drills']['incidents']['total']})"
    )
    times = Table(title="Response times")
    for heading in (
        "",
        "MTTA mean",
        "median",
        "MTTM mean",
        "median",
        "MTTR mean",
        "median",
        "resolved",
    ):
        times.add_column(heading)
    times.add_row(*_times_row("all", data["times"]["overall"]))
    for key, t in data["times"]["by_severity"].items():
        times.add_row(*_times_row(key, t))
    out.print(times)
    if not data["sla"]:
        out.print("Targets met: no incident opened in this period")
        _print_load(data, out)
        return
    sla = Table(title="Targets met")
    kinds = ("acknowledged", "responded", "resolved", "updates", "postmortem")
    for heading in ("severity", *kinds, "incidents"):
        sla.add_column(heading)
    for key, s in data["sla"].items():
        cells = [key]
        for kind in kinds:
            c = s.get(kind)
            cells.append(
                "-" if not c else f"{percent(c['ratio'])} ({c['met']}/{c['met'] + c['missed']})"
            )
        cells.append(
            str(incidents["by_severity"].get(key, incidents["total"] if key == "all" else 0))
        )
        sla.add_row(*cells)
    out.print(sla)
    _print_load(data, out)


def _print_load(data: dict[str, Any], out: Any) -> None:
    from rich.table import Table

    oncall = data["oncall"]
    out.print(
        f"On-call load: {_count(oncall['pages'], 'page')}, {oncall['outside_hours']} outside "
        f"working hours ({oncall['working_hours']} {','.join(oncall['working_days'])}, each "
        "person's local time)"
    )
    if oncall["people"]:
        people = Table(title="Pages per person")
        for heading in ("person", "time zone", "pages", "outside hours"):
            people.add_column(heading)
        for p in oncall["people"]:
            people.add_row(p["email"], p["time_zone"], str(p["pages"]), str(p["outside_hours"]))
        out.print(people)
    items = data.get("action_items")
    if items:
        out.print(f"Action items: {items['open']} open, {items['overdue']} overdue")
