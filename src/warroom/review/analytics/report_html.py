"""The standalone HTML report (`warroom report --html FILE`): figures and inline SVG charts.

One file with its styles inline and nothing fetched: it can be mailed or attached to a review.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from warroom.review.analytics.charts import all_charts
from warroom.review.analytics.schemas import AnalyticsReport

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def duration(seconds: float | None) -> str:
    """1234.5 -> '20m 34s'; None -> "-"."""
    if seconds is None:
        return "-"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes and not days else []
    parts += [f"{secs}s"] if secs and not days and not hours else []
    return " ".join(parts) or "0s"


def percent(ratio: float | None) -> str:
    """0.6667 -> '67%'. Only all met shows 100% (0.995 shows 99%), only none met shows 0%."""
    if ratio is None:
        return "-"
    whole = round(ratio * 100)
    if ratio < 1:
        whole = min(whole, 99)
    if ratio > 0:
        whole = max(whole, 1)
    return f"{whole}%"


_ENV.filters["duration"] = duration
_ENV.filters["percent"] = percent


def render(report: AnalyticsReport, zone: tzinfo | None = UTC) -> str:
    """The report as one HTML document, its period given in `zone` (the reader's; None: this
    machine's)."""
    charts = {name: Markup(svg) for name, svg in all_charts(report).items()}
    start, end = report.since.astimezone(zone), report.until.astimezone(zone)
    named = f" ({zone.key})" if isinstance(zone, ZoneInfo) else ""
    period = {
        "first": f"{start:%Y-%m-%d}",
        "last": f"{end:%Y-%m-%d}",
        "text": f"{start:%Y-%m-%d %H:%M %Z} to {end:%Y-%m-%d %H:%M %Z}{named}",
    }
    return _ENV.get_template("report.html").render(report=report, charts=charts, period=period)
