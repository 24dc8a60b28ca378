"""The report's charts, drawn by pygal as SVG to put inline in a page (no script, no link out).

pygal adds a small inline <script> with its tooltip settings to every chart; without pygal's
own JavaScript (which we never load) it does nothing, so it is left out of the markup.
"""

from __future__ import annotations

import re
from typing import Any

import pygal
from pygal.style import Style

from warroom.review.analytics.schemas import AnalyticsReport

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
# Transparent backgrounds and a mid grey text, legible on the light and the dark theme.
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#777777",
    foreground_strong="#777777",
    foreground_subtle="#999999",
    colors=("#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf"),
    font_family="system-ui, sans-serif",
    # Large type: the charts are often shown at a third of their width.
    title_font_size=24,
    label_font_size=18,
    major_label_font_size=18,
    legend_font_size=20,
    value_font_size=18,
    tooltip_font_size=18,
)


def _options(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "print_values": False,
        "legend_at_bottom": True,
        "height": 360,
        "width": 720,
        **extra,
    }


def _svg(chart: Any) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def incidents_over_time(report: AnalyticsReport) -> str:
    """Incidents per period, stacked by severity."""
    periods = sorted({p.period for p in report.incidents.severity_over_time})
    chart = pygal.StackedBar(**_options(f"Incidents per {report.bucket}", x_label_rotation=30))
    chart.x_labels = periods
    for severity in sorted(report.incidents.by_severity):
        counts = {
            p.period: p.count for p in report.incidents.severity_over_time if p.key == severity
        }
        chart.add(severity, [counts.get(period) for period in periods])
    totals = [
        sum(p.count for p in report.incidents.severity_over_time if p.period == period)
        for period in periods
    ]
    _whole_numbers(chart, totals)
    return _svg(chart)


def response_times(report: AnalyticsReport) -> str:
    """Mean MTTA and MTTR per severity, in minutes."""
    severities = sorted(report.times.by_severity)
    chart = pygal.Bar(**_options("Mean time to acknowledge and to resolve (minutes)"))
    chart.x_labels = severities
    for label, metric in (("MTTA", "mtta"), ("MTTR", "mttr")):
        values = []
        for severity in severities:
            mean = getattr(report.times.by_severity[severity], metric).mean_s
            values.append(None if mean is None else round(mean / 60, 1))
        chart.add(label, values)
    return _svg(chart)


def pages_per_person(report: AnalyticsReport) -> str:
    """Pages per person, split into working hours and outside them."""
    people = report.oncall.people
    chart = pygal.StackedBar(**_options("Pages per person", x_label_rotation=30))
    chart.x_labels = [p.name or p.email for p in people]
    chart.add("in working hours", [p.pages - p.outside_hours for p in people])
    chart.add("outside working hours", [p.outside_hours for p in people])
    _whole_numbers(chart, [p.pages for p in people])
    return _svg(chart)


def _whole_numbers(chart: Any, values: list[int]) -> None:
    """Counts: an axis of whole numbers when they are small (pygal would show 0.2 steps)."""
    top = max(values, default=0)
    if 0 < top <= 12:
        chart.y_labels = list(range(top + 1))


def all_charts(report: AnalyticsReport) -> dict[str, str]:
    """Every chart of the report, by name."""
    return {
        "incidents": incidents_over_time(report),
        "times": response_times(report),
        "pages": pages_per_person(report),
    }
