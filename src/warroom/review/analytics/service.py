"""The analytics report: response times, targets met, incident counts, on-call load, drills.

Production figures leave drills out; drills get the same figures in their own section. The
report costs a fixed number of aggregate queries (times, counts, SLA with postmortems, pages per
person with the time zones they are in, action items, and the config read for working hours),
however many incidents the window holds.
Action items (of real incidents only, of the severity and service asked for) are counted as
they stand now (open, and overdue), not by window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.review.action_items import service as action_items
from warroom.review.analytics import oncall, queries
from warroom.review.analytics.config import DAYS, WorkingHours, analytics_settings
from warroom.review.analytics.oncall import PersonPages
from warroom.review.analytics.periods import Window
from warroom.review.analytics.queries import Filters, SlaRow, TimeRow
from warroom.review.analytics.schemas import (
    ActionItemCounts,
    AnalyticsReport,
    Compliance,
    DrillFigures,
    IncidentCounts,
    OncallLoad,
    PeriodCount,
    PersonLoad,
    ResponseTimes,
    SlaFigures,
    Times,
    TimesBreakdown,
)

ALL = "all"


def report(session: Session, clock: Clock, window: Window, filters: Filters) -> AnalyticsReport:
    """Every figure of the window, drills apart."""
    time_rows = queries.times(session, window, filters)
    count_rows = queries.counts(session, window, filters)
    sla_rows = queries.sla(session, clock.now(), window, filters)
    options = analytics_settings(session)
    hours = options.hours()
    page_rows = oncall.load(session, window, filters, hours)
    drill_pages = sum(r.pages for r in page_rows if r.drill)
    items = action_items.open_and_overdue_counts(
        session, clock.now(), drill=False, where=queries.narrowed(filters)
    )
    return AnalyticsReport(
        since=window.since,
        until=window.until,
        bucket=window.bucket,
        time_zone=window.zone,
        severity=filters.severity,
        service=filters.service,
        incidents=incident_counts(count_rows, drill=False),
        times=breakdown(time_rows, drill=False),
        sla=compliance(sla_rows, drill=False),
        oncall=oncall_load([r for r in page_rows if not r.drill], hours, options.working_days),
        action_items=ActionItemCounts(open=items["open"], overdue=items["overdue"]),
        drills=DrillFigures(
            incidents=incident_counts(count_rows, drill=True),
            times=breakdown(time_rows, drill=True),
            sla=compliance(sla_rows, drill=True),
            pages=drill_pages,
        ),
    )


def breakdown(rows: Iterable[TimeRow], *, drill: bool) -> TimesBreakdown:
    """Time rows of one kind (production or drill) arranged by dimension."""
    out = TimesBreakdown()
    groups: dict[str, dict[str, ResponseTimes]] = {
        "severity": out.by_severity,
        "service": out.by_service,
        "period": out.by_period,
    }
    for row in rows:
        if row.drill != drill:
            continue
        if row.dim == "all":
            target = out.overall
        else:
            target = groups[row.dim].setdefault(row.key, ResponseTimes())
        setattr(
            target, row.metric, Times(count=row.count, mean_s=_r(row.mean), median_s=_r(row.median))
        )
    out.by_period = dict(sorted(out.by_period.items()))
    return out


def incident_counts(
    rows: Iterable[tuple[str, str, bool, str, int]], *, drill: bool
) -> IncidentCounts:
    """Incidents per severity and service, in total and per period."""
    out = IncidentCounts()
    for dim, key, is_drill, period, n in sorted(rows, key=lambda r: (r[3], r[1])):
        if is_drill != drill:
            continue
        point = PeriodCount(period=period, key=key, count=n)
        if dim == "severity":
            out.total += n
            out.by_severity[key] = out.by_severity.get(key, 0) + n
            out.severity_over_time.append(point)
        else:
            out.by_service[key] = out.by_service.get(key, 0) + n
            out.service_over_time.append(point)
    return out


def _ratio(met: int, missed: int) -> Compliance:
    """met / (met + missed) to four places; 1.0 only when nothing was missed, 0.0 when none met."""
    total = met + missed
    if total == 0:
        return Compliance(met=met, missed=missed, ratio=None)
    ratio = round(met / total, 4)
    if missed:
        ratio = min(ratio, 0.9999)
    if met:
        ratio = max(ratio, 0.0001)
    return Compliance(met=met, missed=missed, ratio=ratio)


def compliance(rows: Iterable[SlaRow], *, drill: bool) -> dict[str, SlaFigures]:
    """Targets met per severity and over all severities ('all')."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * queries.TALLIES)
    for row in rows:
        if row.drill != drill:
            continue
        values = row.tallies
        for key in (row.severity, ALL):
            sums[key] = [a + b for a, b in zip(sums[key], values, strict=True)]
    return {
        key: SlaFigures(
            **{kind: _ratio(v[2 * i], v[2 * i + 1]) for i, kind in enumerate(queries.TARGETS)}
        )
        for key, v in sorted(sums.items(), key=lambda kv: (kv[0] == ALL, kv[0]))
    }


def oncall_load(rows: Iterable[PersonPages], hours: WorkingHours, days: list[str]) -> OncallLoad:
    """Pages per person, most paged first, and the totals."""
    people = [
        PersonLoad(
            email=r.email,
            name=r.name,
            time_zone=r.time_zone,
            pages=r.pages,
            outside_hours=r.outside_hours,
        )
        for r in rows
    ]
    ordered = sorted(people, key=lambda p: (-p.pages, p.email))
    return OncallLoad(
        working_hours=hours.text,
        working_days=[d for d in DAYS if d in days],
        pages=sum(p.pages for p in ordered),
        outside_hours=sum(p.outside_hours for p in ordered),
        people=ordered,
    )


def _r(value: float) -> float:
    return round(value, 3)
