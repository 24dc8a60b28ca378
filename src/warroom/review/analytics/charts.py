"""The report's charts, drawn by pygal as SVG to put inline in a page (no script, no link out).

pygal adds a small inline <script> with its tooltip settings to every chart; without pygal's
own JavaScript (which we never load) it does nothing, so it is left out of the markup.

Drawing is the costly part of the analytics page (~20 ms for three charts), and the same figures
are drawn again on every reload; each chart is therefore described by plain values (its kind,
title, labels and series) and drawn once per distinct description.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pygal
from pygal.style import Style

from warroom.review.analytics.periods import period_starts
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


Series = tuple[tuple[str, tuple[float | int | None, ...]], ...]

KINDS = {"bar": pygal.Bar, "stacked": pygal.StackedBar}


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


@lru_cache(maxsize=64)
def draw(
    kind: str, title: str, x_labels: tuple[str, ...], series: Series, rotate: bool, whole: int
) -> str:
    """The SVG of one chart; `whole` > 0 is the top of a whole-number axis for small counts."""
    chart = KINDS[kind](**_options(title, **({"x_label_rotation": 30} if rotate else {})))
    chart.x_labels = list(x_labels)
    for label, values in series:
        chart.add(label, list(values))
    if 0 < whole <= 12:
        # Counts: pygal would otherwise show 0.2 steps on a small axis.
        chart.y_labels = list(range(whole + 1))
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def incidents_over_time(report: AnalyticsReport) -> str:
    """Incidents per period, stacked by severity; a quiet period is there too, with none."""
    seen = {p.period for p in report.incidents.severity_over_time}
    every = period_starts(report.since, report.until, report.bucket, zone=report.time_zone)
    periods = tuple(sorted(seen.union(every)))
    series = []
    for severity in sorted(report.incidents.by_severity):
        counts = {
            p.period: p.count for p in report.incidents.severity_over_time if p.key == severity
        }
        series.append((severity, tuple(counts.get(period, 0) for period in periods)))
    totals = [
        sum(p.count for p in report.incidents.severity_over_time if p.period == period)
        for period in periods
    ]
    title = f"Incidents per {report.bucket}"
    return draw("stacked", title, periods, tuple(series), True, max(totals, default=0))


def response_times(report: AnalyticsReport) -> str:
    """Mean MTTA and MTTR per severity, in minutes."""
    severities = tuple(sorted(report.times.by_severity))
    series = []
    for label, metric in (("MTTA", "mtta"), ("MTTR", "mttr")):
        values = []
        for severity in severities:
            mean = getattr(report.times.by_severity[severity], metric).mean_s
            values.append(None if mean is None else round(mean / 60, 1))
        series.append((label, tuple(values)))
    title = "Mean time to acknowledge and to resolve (minutes)"
    return draw("bar", title, severities, tuple(series), False, 0)


def pages_per_person(report: AnalyticsReport) -> str:
    """Pages per person, split into working hours and outside them."""
    people = report.oncall.people
    series = (
        ("in working hours", tuple(p.pages - p.outside_hours for p in people)),
        ("outside working hours", tuple(p.outside_hours for p in people)),
    )
    labels = tuple(p.name or p.email for p in people)
    top = max((p.pages for p in people), default=0)
    return draw("stacked", "Pages per person", labels, series, True, top)


def all_charts(report: AnalyticsReport) -> dict[str, str]:
    """Every chart of the report, by name."""
    return {
        "incidents": incidents_over_time(report),
        "times": response_times(report),
        "pages": pages_per_person(report),
    }
