"""Lists of postmortems and when one is overdue: not published and its due time has come,
the same moment the engine flags it (`review:postmortem:overdue`). Drill incidents count in
no overdue figure; incidents a reader may not see are left out before any limit.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from warroom.clock import utc
from warroom.incidents.models import Incident
from warroom.review.postmortems.models import PUBLISHED, Postmortem


def is_overdue(pm: Postmortem, now: datetime) -> bool:
    """Not published and its due time has come (the moment the engine flags it overdue)."""
    return pm.state != PUBLISHED and pm.due_at is not None and utc(pm.due_at) <= now


def _overdue(now: datetime) -> list[ColumnElement[bool]]:
    """Not published and its due time has come (as `is_overdue`), in SQL."""
    return [Postmortem.state != PUBLISHED, Postmortem.due_at <= now]


def list_postmortems(
    session: Session,
    now: datetime,
    *,
    overdue: bool = False,
    state: str | None = None,
    hidden: Collection[int] = (),
) -> list[tuple[Postmortem, Incident]]:
    """Postmortems with their incidents, soonest due first (overdue: only those past due;
    the `hidden` incidents' left out before the limit)."""
    query = select(Postmortem, Incident).join(Incident, Incident.id == Postmortem.incident_id)
    if hidden:
        query = query.where(Incident.id.not_in(hidden))
    if state is not None:
        query = query.where(Postmortem.state == state)
    if overdue:
        query = query.where(*_overdue(now))
    query = query.order_by(Postmortem.due_at.is_(None), Postmortem.due_at, Postmortem.id)
    return [(pm, inc) for pm, inc in session.execute(query.limit(1000))]


def overdue_count(session: Session, now: datetime, *, excluding: Collection[int] = ()) -> int:
    """Postmortems of real incidents (drills apart) not published and past their due time;
    `excluding`: incidents left out (those a reader may not see)."""
    query = (
        select(func.count())
        .select_from(Postmortem)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(*_overdue(now), Incident.drill.is_(False))
    )
    if excluding:
        query = query.where(Incident.id.not_in(excluding))
    return int(session.scalar(query) or 0)
