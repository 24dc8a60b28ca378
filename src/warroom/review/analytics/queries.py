"""The aggregate queries behind the figures: each one round trip, whatever the incident count.

The database does the arithmetic (durations, means, medians, counts per group); Python only
shapes the few rows that come back. Drills are kept apart by grouping on `incidents.drill`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE, Subquery

from warroom.audit.models import TimelineEvent
from warroom.catalog.models import Severity
from warroom.comms.models import UpdateCadence
from warroom.db import UTCDateTime
from warroom.incidents.models import Incident, IncidentService
from warroom.review.analytics.periods import (
    Window,
    bucket_of,
    dialect,
    seconds_between,
)

# The postmortems' table is read here, in one aggregate with the other targets, rather than
# through their service one incident at a time (same domain: the post-incident review).
from warroom.review.postmortems.models import Postmortem

METRICS = ("mtta", "mttm", "mttr")
# The targets judged, in the order of `SlaRow.tallies` (a met and a missed count each).
TARGETS = ("acknowledged", "responded", "resolved", "updates", "postmortem")
TALLIES = 2 * len(TARGETS)
DIMENSIONS = ("all", "severity", "period", "service")


@dataclass(frozen=True)
class Filters:
    severity: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class TimeRow:
    dim: str  # all, severity, service or period
    key: str
    drill: bool
    metric: str
    count: int
    mean: float
    median: float


def _text(value: str) -> ColumnElement[Any]:
    return literal_column("'" + value.replace("'", "''") + "'")


def narrowed(filters: Filters) -> list[ColumnElement[bool]]:
    """Incidents of the severity and the service asked for (when asked)."""
    clauses: list[ColumnElement[bool]] = []
    if filters.severity is not None:
        clauses.append(Incident.severity == filters.severity)
    if filters.service is not None:
        named = aliased(IncidentService)  # apart from the by-service join of `counts`
        clauses.append(
            exists()
            .where(named.incident_id == Incident.id, named.service_key == filters.service)
            .correlate(Incident)
        )
    return clauses


def _scope(window: Window, filters: Filters) -> list[ColumnElement[bool]]:
    """Incidents opened in the window, narrowed by severity and service."""
    opened = [Incident.opened_at >= window.since, Incident.opened_at < window.until]
    return opened + narrowed(filters)


def _facts(name: str, window: Window, filters: Filters) -> tuple[CTE, CTE]:
    """Each incident's durations (and its period), and the same once per service it names."""
    facts = (
        select(
            Incident.id,
            Incident.severity,
            Incident.drill,
            bucket_of(name, Incident.opened_at, window).label("period"),
            seconds_between(name, Incident.acknowledged_at, ack_from(name)).label("mtta"),
            seconds_between(
                name, func.coalesce(Incident.mitigated_at, Incident.resolved_at), Incident.opened_at
            ).label("mttm"),
            seconds_between(name, Incident.resolved_at, Incident.opened_at).label("mttr"),
        )
        .where(*_scope(window, filters))
        .cte("facts")
    )
    per_service = (
        select(facts, IncidentService.service_key)
        .join(IncidentService, IncidentService.incident_id == facts.c.id)
        .cte("per_service")
    )
    return facts, per_service


def _long_form(facts: CTE, per_service: CTE) -> Subquery:
    """One row per (dimension, key, drill, metric, duration).

    Dimensions and metrics travel as small numbers and durations as floats: the window sort
    over these rows compares them cheaply."""
    parts = []
    for m, metric in enumerate(METRICS):
        for d, source, key in (
            (0, facts, _text("")),
            (1, facts, facts.c.severity),
            (2, facts, facts.c.period),
            (3, per_service, per_service.c.service_key),
        ):
            value = source.c[metric]
            parts.append(
                select(
                    literal_column(str(d)).label("dim"),
                    key.label("key"),
                    source.c.drill.label("drill"),
                    literal_column(str(m)).label("metric"),
                    cast(value, Float).label("v"),
                ).where(value.is_not(None))
            )
    return union_all(*parts).subquery("long")


def times(session: Session, window: Window, filters: Filters) -> list[TimeRow]:
    """Mean and median time to acknowledge, mitigate and resolve, per group, in one query.

    Mitigation is `mitigated_at`, or the resolution for an incident resolved without being
    marked mitigated first (its impact ended then at the latest). The median is the middle
    value (or the mean of the two middle values) by row number within each group.
    """
    long = _long_form(*_facts(dialect(session), window, filters))
    group = [long.c.dim, long.c.key, long.c.drill, long.c.metric]
    ranked = select(
        *group,
        long.c.v,
        func.row_number().over(partition_by=group, order_by=long.c.v).label("rn"),
        func.count().over(partition_by=group).label("n"),
    ).subquery("ranked")
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    stmt = select(
        ranked.c.dim,
        ranked.c.key,
        ranked.c.drill,
        ranked.c.metric,
        func.count(),
        func.avg(ranked.c.v),
        func.avg(case((middle, ranked.c.v))),
    ).group_by(ranked.c.dim, ranked.c.key, ranked.c.drill, ranked.c.metric)
    return [
        TimeRow(DIMENSIONS[d], k, bool(dr), METRICS[m], int(n), float(mean), float(median))
        for d, k, dr, m, n, mean, median in session.execute(stmt)
    ]


def counts(
    session: Session, window: Window, filters: Filters
) -> list[tuple[str, str, bool, str, int]]:
    """Incidents per (period, severity) and per (period, service): (dim, key, drill, period, n)."""
    name = dialect(session)
    period = bucket_of(name, Incident.opened_at, window).label("period")
    by_severity = (
        select(
            _text("severity").label("dim"),
            Incident.severity.label("key"),
            Incident.drill,
            period,
            func.count().label("n"),
        )
        .where(*_scope(window, filters))
        .group_by(Incident.severity, Incident.drill, period)
    )
    by_service = (
        select(
            _text("service").label("dim"),
            IncidentService.service_key.label("key"),
            Incident.drill,
            period,
            func.count().label("n"),
        )
        .join(IncidentService, IncidentService.incident_id == Incident.id)
        .where(*_scope(window, filters))
        .group_by(IncidentService.service_key, Incident.drill, period)
    )
    rows = session.execute(union_all(by_severity, by_service))
    return [(d, k, bool(dr), p, int(n)) for d, k, dr, p, n in rows]


@dataclass(frozen=True)
class SlaRow:
    severity: str
    drill: bool
    incidents: int
    # met and missed, in pairs: acknowledged, responded, resolved, updates on cadence,
    # postmortem on time
    tallies: tuple[int, ...]
    mtta: float | None
    mttr: float | None


# The events that end the wait for an acknowledgement.
ENDS_WAIT = ("incident:status:mitigated", "incident:status:resolved")
ENDS_ACK_WAIT = ("incident:status:acknowledged", *ENDS_WAIT)
REOPENED = "incident:status:reopened"


def _refired(name: str, event: Any) -> ColumnElement[bool]:
    """A reopening back to `triggered` (a re-fire, which pages again from level 1), not one by
    hand (back to `acknowledged`: no acknowledgement is owed then)."""
    if name == "postgresql":
        to = event.payload.op("->>")(literal_column("'to'"))
    else:
        to = func.json_extract(event.payload, literal_column("'$.to'"))
    return and_(event.kind == REOPENED, to == literal_column("'triggered'"))


def ack_from(name: str) -> ColumnElement[Any]:
    """When the wait the acknowledgement ended began: the opening, or the last re-fire before
    the acknowledgement (it pages again from level 1, counted from the reopening)."""
    refire = aliased(TimelineEvent)
    last_refire = (
        select(func.max(refire.occurred_at))
        .where(
            refire.incident_id == Incident.id,
            _refired(name, refire),
            refire.occurred_at <= Incident.acknowledged_at,
        )
        .scalar_subquery()
    )
    return case(
        (Incident.reopen_count > 0, func.coalesce(last_refire, Incident.opened_at)),
        else_=Incident.opened_at,
    )


def _longest_ack_wait(name: str, at_now: Any) -> ColumnElement[Any]:
    """A reopened incident's longest wait for an acknowledgement, in seconds: from its opening,
    and from each re-fire before the acknowledgement, until acknowledged, mitigated or resolved
    (or now)."""
    first_end = (
        select(func.min(TimelineEvent.occurred_at))
        .where(TimelineEvent.incident_id == Incident.id, TimelineEvent.kind.in_(ENDS_ACK_WAIT))
        .scalar_subquery()
    )
    first = seconds_between(name, func.coalesce(first_end, at_now), Incident.opened_at)
    start, end = aliased(TimelineEvent), aliased(TimelineEvent)
    ended = (
        select(func.min(end.occurred_at))
        .where(
            end.incident_id == start.incident_id,
            end.kind.in_(ENDS_ACK_WAIT),
            end.occurred_at >= start.occurred_at,
        )
        .scalar_subquery()
    )
    after_refires = (
        select(func.max(seconds_between(name, func.coalesce(ended, at_now), start.occurred_at)))
        .where(
            start.incident_id == Incident.id,
            _refired(name, start),
            or_(Incident.acknowledged_at.is_(None), start.occurred_at <= Incident.acknowledged_at),
        )
        .scalar_subquery()
    )
    later = func.coalesce(after_refires, literal_column("0"))
    return case((later > first, later), else_=first)


def _tally(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _targets(name: str, at_now: Any) -> list[ColumnElement[Any]]:
    """Met and missed tallies: acknowledged, responded, resolved, updates on cadence, postmortem
    on time."""
    tta = seconds_between(name, Incident.acknowledged_at, ack_from(name))
    ttr = seconds_between(name, Incident.resolved_at, Incident.opened_at)
    # Mitigating or resolving it ends the wait: `ack` is refused from there. A reopen clears
    # both times, and a re-fire starts a new wait: a reopened incident's waits are read from
    # its timeline, and the longest decides.
    reopened = Incident.reopen_count > 0
    waited_until = func.coalesce(Incident.mitigated_at, Incident.resolved_at, at_now)
    unacked_for = seconds_between(name, waited_until, Incident.opened_at)
    longest_wait = _longest_ack_wait(name, at_now)
    open_for = seconds_between(name, at_now, Incident.opened_at)
    ack_s, resolve_s = Severity.ack_within_s, Severity.resolve_within_s
    late = _LATE.c.late
    # Missed once an update came late, or one is overdue now (flagged by the engine or not
    # yet); met once one was owed and none was late: an update posted, or resolved before
    # any was due. An open incident with no update yet and none due is pending.
    next_due = _LATE.c.next_due
    updates_late = or_(late > 0, and_(next_due.is_not(None), next_due < at_now))
    updates_owed = or_(_LATE.c.posted > 0, Incident.resolved_at.is_not(None))
    cadenced = and_(
        _LATE.c.incident_id.is_not(None),
        or_(
            Severity.internal_update_every_s.is_not(None),
            Severity.external_update_every_s.is_not(None),
        ),
    )
    published, due = Postmortem.published_at, Postmortem.due_at
    unacked_late = and_(Incident.acknowledged_at.is_(None), unacked_for > ack_s)
    unresolved_late = and_(Incident.resolved_at.is_(None), open_for > resolve_s)
    acked_in_time = case(
        (reopened, and_(Incident.acknowledged_at.is_not(None), longest_wait <= ack_s)),
        else_=tta <= ack_s,
    )
    acked_late = case((reopened, longest_wait > ack_s), else_=or_(tta > ack_s, unacked_late))
    # Responded: someone started working it (first note, status update, mitigation or
    # resolution), judged from the opening as `incident show` judges it; still waiting past
    # the target is missed, within it pending.
    respond_s = Severity.respond_within_s
    responded = func.coalesce(Incident.responded_at, Incident.mitigated_at, Incident.resolved_at)
    ttrs = seconds_between(name, responded, Incident.opened_at)
    unresponded_late = and_(responded.is_(None), open_for > respond_s)
    return [
        _tally(and_(ack_s.is_not(None), acked_in_time)),
        _tally(and_(ack_s.is_not(None), acked_late)),
        _tally(and_(respond_s.is_not(None), ttrs <= respond_s)),
        _tally(and_(respond_s.is_not(None), or_(ttrs > respond_s, unresponded_late))),
        _tally(and_(resolve_s.is_not(None), ttr <= resolve_s)),
        _tally(and_(resolve_s.is_not(None), or_(ttr > resolve_s, unresolved_late))),
        _tally(and_(cadenced, updates_owed, ~updates_late)),
        _tally(and_(cadenced, updates_late)),
        # No due time: no longer owed (its severity lowered to one that requires none), in
        # neither tally, published or not.
        _tally(and_(published.is_not(None), due.is_not(None), published <= due)),
        _tally(or_(published > due, and_(published.is_(None), due < at_now))),
        func.avg(tta),
        func.avg(ttr),
    ]


# Per incident, from the comms cadence (one row per audience): updates late, updates posted,
# and the next update due (none once resolved).
_LATE = (
    select(
        UpdateCadence.incident_id,
        func.sum(UpdateCadence.late).label("late"),
        func.sum(UpdateCadence.updates).label("posted"),
        func.min(UpdateCadence.due_at).label("next_due"),
    )
    .group_by(UpdateCadence.incident_id)
    .subquery("late")
)


def sla(session: Session, now: datetime, window: Window, filters: Filters) -> list[SlaRow]:
    """Per severity: targets met and missed (ack, respond, resolve, update cadence, postmortem)
    and mean times.

    A target counts once it has passed or been met: an incident not acknowledged yet whose ack
    target has not run out is pending, counted in neither. One never acknowledged misses the
    target once more time than the target went by before it was mitigated or resolved (or
    until now). A re-fire (back to `triggered`, paged again) before the acknowledgement starts a
    new wait: a reopened incident meets the target when acknowledged and every wait was within
    it, and its time to acknowledge runs from the start of the wait the acknowledgement ended.
    A postmortem is on time when published by its due time (late when published after it, or
    still unpublished past it); incidents without one are not counted, nor one with no due
    time (no longer owed).
    """
    at_now = bindparam("now", now, type_=UTCDateTime())
    stmt = (
        select(Incident.severity, Incident.drill, func.count(), *_targets(dialect(session), at_now))
        .select_from(Incident)
        .outerjoin(Severity, Severity.key == Incident.severity)
        .outerjoin(_LATE, _LATE.c.incident_id == Incident.id)
        .outerjoin(Postmortem, Postmortem.incident_id == Incident.id)
        .where(*_scope(window, filters))
        .group_by(Incident.severity, Incident.drill)
    )
    out = []
    for sev, dr, n, *numbers in session.execute(stmt):
        tallies = tuple(int(t or 0) for t in numbers[:TALLIES])
        a, r = numbers[TALLIES:]
        mtta, mttr = (None if a is None else float(a)), (None if r is None else float(r))
        out.append(SlaRow(sev, bool(dr), int(n), tallies, mtta, mttr))
    return out
