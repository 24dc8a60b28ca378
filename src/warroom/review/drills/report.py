"""Response figures of drills: time to acknowledge, mitigate and resolve, per drill and on
average. Every drill incident counts (started by `warroom drill start`, by a schedule, or
opened with `warroom incident open --drill`); production figures never include them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident
from warroom.review.drills.models import Drill
from warroom.review.postmortems.draft import ack_waits

FIGURES = ("ack", "mitigate", "resolve")


@dataclass
class DrillFigures:
    number: int
    title: str
    severity: str
    schedule: str
    status: str
    opened_at: datetime
    seconds: dict[str, float | None]


@dataclass
class DrillReport:
    since: datetime
    drills: list[DrillFigures] = field(default_factory=list)
    # Mean seconds over the drills that reached each point (None: none did).
    average: dict[str, float | None] = field(default_factory=dict)
    reached: dict[str, int] = field(default_factory=dict)


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds())


def drill_report(
    session: Session, start: datetime, hidden: Collection[int] = frozenset()
) -> DrillReport:
    """The drills opened since `start`, oldest first, with their response times; `hidden`
    (private incidents the reader is no member of) are left out."""
    query = (
        select(Incident, Drill.schedule)
        .outerjoin(Drill, Drill.incident_id == Incident.id)
        .where(Incident.drill.is_(True), Incident.opened_at >= start)
        .order_by(Incident.opened_at, Incident.id)
    )
    if hidden:
        query = query.where(Incident.id.not_in(hidden))
    report = DrillReport(since=start)
    for incident, schedule in session.execute(query).all():
        # As the analytics count them: the acknowledgement from the start of the wait it ended
        # (a re-fire starts a new one), the mitigation at the resolution at the latest.
        ack_from = ack_waits(session, incident)[0] if incident.reopen_count else None
        mitigated = incident.mitigated_at or incident.resolved_at
        report.drills.append(
            DrillFigures(
                number=incident.number,
                title=incident.title,
                severity=incident.severity,
                schedule=schedule or "",
                status=incident.status,
                opened_at=incident.opened_at,
                seconds={
                    "ack": _seconds(ack_from or incident.opened_at, incident.acknowledged_at),
                    "mitigate": _seconds(incident.opened_at, mitigated),
                    "resolve": _seconds(incident.opened_at, incident.resolved_at),
                },
            )
        )
    for name in FIGURES:
        values = [v for d in report.drills if (v := d.seconds[name]) is not None]
        report.reached[name] = len(values)
        report.average[name] = mean(values) if values else None
    return report
