"""The headline figures on `/metrics`, over the last 30 days, for a team's Grafana.

    warroom_mtta_seconds{severity}               mean time to acknowledge
    warroom_mttr_seconds{severity}               mean time to resolve
    warroom_sla_compliance_ratio{kind,severity}  targets met / counted (kind: acknowledged,
                                                 responded, resolved, updates, postmortem),
                                                 severity "all" for all
    warroom_incidents_opened{severity}           incidents opened
    warroom_action_items_open, warroom_action_items_overdue   as they stand now
    warroom_postmortems_overdue_now              unpublished postmortems past due, now

Drills are left out. The figures come from a few aggregate queries and are kept for a minute
per database, so a scrape every 15 s costs those queries once a minute.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.review.action_items import service as action_items
from warroom.review.analytics import queries
from warroom.review.analytics.periods import Window
from warroom.review.analytics.service import ALL, compliance
from warroom.review.postmortems import service as postmortems

ROLLING = timedelta(days=30)
FRESH_FOR = timedelta(seconds=60)
KINDS = queries.TARGETS


@dataclass
class Headline:
    mtta: dict[str, float] = field(default_factory=dict)
    mttr: dict[str, float] = field(default_factory=dict)
    incidents: dict[str, int] = field(default_factory=dict)
    # (kind, severity) -> ratio
    compliance: dict[tuple[str, str], float] = field(default_factory=dict)
    action_items_open: int = 0
    action_items_overdue: int = 0
    postmortems_overdue: int = 0


_cache: weakref.WeakKeyDictionary[Engine, tuple[datetime, Headline]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def headline(session: Session, clock: Clock) -> Headline:
    """The last 30 days' figures, computed at most once a minute per database."""
    now = clock.now()
    engine = session.get_bind().engine
    with _lock:
        hit = _cache.get(engine)
    if hit is not None and timedelta(0) <= now - hit[0] < FRESH_FOR:
        return hit[1]
    figures = _compute(session, now)
    with _lock:
        _cache[engine] = (now, figures)
    return figures


def _compute(session: Session, now: datetime) -> Headline:
    span = Window(now - ROLLING, now, "day")
    rows = [r for r in queries.sla(session, now, span, queries.Filters()) if not r.drill]
    out = Headline()
    for row in rows:
        out.incidents[row.severity] = row.incidents
        if row.mtta is not None:
            out.mtta[row.severity] = round(row.mtta, 3)
        if row.mttr is not None:
            out.mttr[row.severity] = round(row.mttr, 3)
    for severity, figures in compliance(rows, drill=False).items():
        for kind in KINDS:
            ratio = getattr(figures, kind).ratio
            if ratio is not None:
                out.compliance[(kind, severity)] = ratio
    items = action_items.open_and_overdue_counts(session, now, drill=False)
    out.action_items_open, out.action_items_overdue = items["open"], items["overdue"]
    out.postmortems_overdue = postmortems.overdue_count(session, now)
    return out


class AnalyticsCollector(Collector):
    """Yields the headline gauges; reads the database only when the scrape collects."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session, self.clock = session, clock

    def describe(self) -> list[GaugeMetricFamily]:
        return list(_families(Headline()))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        return _families(headline(self.session, self.clock))


def _families(figures: Headline) -> Iterator[GaugeMetricFamily]:
    mtta = GaugeMetricFamily(
        "warroom_mtta_seconds", "Mean time to acknowledge over 30 days", labels=["severity"]
    )
    mttr = GaugeMetricFamily(
        "warroom_mttr_seconds", "Mean time to resolve over 30 days", labels=["severity"]
    )
    for family, values in ((mtta, figures.mtta), (mttr, figures.mttr)):
        for severity, seconds in sorted(values.items()):
            family.add_metric([severity], seconds)
        yield family
    opened = GaugeMetricFamily(
        "warroom_incidents_opened", "Incidents opened in the last 30 days", labels=["severity"]
    )
    for severity, n in sorted(figures.incidents.items()):
        opened.add_metric([severity], n)
    yield opened
    ratio = GaugeMetricFamily(
        "warroom_sla_compliance_ratio",
        f"Targets met / targets counted over 30 days (kind: {', '.join(KINDS)}; "
        f"severity {ALL!r}: every severity)",
        labels=["kind", "severity"],
    )
    for (kind, severity), value in sorted(figures.compliance.items()):
        ratio.add_metric([kind, severity], value)
    yield ratio
    yield GaugeMetricFamily(
        "warroom_action_items_open",
        "Action items still to do (open or in progress)",
        value=figures.action_items_open,
    )
    yield GaugeMetricFamily(
        "warroom_action_items_overdue",
        "Action items still to do past their due date",
        value=figures.action_items_overdue,
    )
    yield GaugeMetricFamily(
        "warroom_postmortems_overdue_now",
        "Postmortems not published past their due time (the same for every process)",
        value=figures.postmortems_overdue,
    )


def clear_cache() -> None:
    """Forget the cached figures (tests that move data under a fixed clock)."""
    with _lock:
        _cache.clear()
