"""Lanes: pausing every job bound for one stalled destination at once.

A job may name a lane (`engine.enqueue(..., lane=...)`; deliveries use the destination host).
When a handler finds its lane's destination stalled it calls `pause(session, clock, lane,
until)` and postpones its job: until the pause ends, the claim query skips every pending job
of that lane, so a hanging host's thousand queued messages cost no claims while it hangs
(rather than being claimed and postponed over and over, crowding out the pages that can go).
A pause only ever holds jobs back until its end; nothing is dropped or reordered within a lane.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert
from sqlalchemy.orm import Session

from warroom.clock import Clock, utc
from warroom.engine.models import PENDING, RUNNING, Job, LanePause

__all__ = ["claimable", "next_end", "pause", "paused_until", "resume"]


def claimable(now: Any) -> Any:
    """The claim query's condition: the job has no lane, or its lane is not paused at `now`
    (a datetime or a bound parameter)."""
    paused = exists().where(LanePause.lane == Job.lane, LanePause.until > now)
    return or_(Job.lane.is_(None), ~paused)


def next_end(now: datetime, conditions: list[Any]) -> Any:
    """The earliest end of a pause in force at `now` over a lane with jobs waiting (pending
    or leased; matching `conditions`): when those jobs become claimable again."""
    waiting = exists().where(
        Job.lane == LanePause.lane, Job.state.in_((PENDING, RUNNING)), *conditions
    )
    return (
        select(LanePause.until)
        .where(LanePause.until > now, waiting)
        .order_by(LanePause.until)
        .limit(1)
        .scalar_subquery()
    )


def pause(session: Session, clock: Clock, lane: str, until: datetime, reason: str = "") -> None:
    """Hold the lane's jobs back until `until` (a later pause already in force stays).

    One upsert: workers in several processes may pause the same lane at the same moment.
    """
    values = {"lane": lane, "until": utc(until), "reason": reason[:300], "updated_at": clock.now()}
    insert: Any = pg_insert if session.get_bind().dialect.name == "postgresql" else lite_insert
    stmt = insert(LanePause).values(values)
    later = stmt.excluded.until > LanePause.until
    stmt = stmt.on_conflict_do_update(
        index_elements=[LanePause.lane],
        set_={
            "until": case((later, stmt.excluded.until), else_=LanePause.until),
            "reason": case((later, stmt.excluded.reason), else_=LanePause.reason),
            "updated_at": stmt.excluded.updated_at,
        },
    )
    session.execute(stmt)


def paused_until(session: Session, clock: Clock, lane: str) -> datetime | None:
    """When the lane's pause ends, if it is paused now."""
    until = session.scalar(select(LanePause.until).where(LanePause.lane == lane))
    if until is None or utc(until) <= clock.now():
        return None
    return utc(until)


def resume(session: Session, lane: str) -> bool:
    """End the lane's pause now (its destination answers again); True if it was paused."""
    result = session.execute(
        delete(LanePause).where(LanePause.lane == lane).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def prune(session: Session, clock: Clock) -> int:
    """Delete pauses that ended."""
    result = session.execute(
        delete(LanePause)
        .where(and_(LanePause.until <= clock.now()))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
