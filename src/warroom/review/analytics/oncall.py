"""Pages per person, and how many came outside working hours in the person's own time zone.

SQLite knows no time zones, so the database is handed each zone's UTC offsets over the window
(the periods between its daylight-saving changes, worked out here) and places every page in
local time itself: the query answers one row per person, however many pages there were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, extract, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warroom.auth.models import User
from warroom.incidents.models import Incident
from warroom.paging.models import Page
from warroom.review.analytics.config import WorkingHours
from warroom.review.analytics.periods import Window, dialect, offsets, sqlite_epoch
from warroom.review.analytics.queries import Filters, narrowed

DAY = 86400
# 1970-01-01 was a Thursday: (days since the epoch + 3) % 7 is 0 on Mondays.
EPOCH_WEEKDAY = 3


@dataclass(frozen=True)
class PersonPages:
    email: str
    name: str
    time_zone: str
    drill: bool
    pages: int
    outside_hours: int


def _epoch(name: str, column: Any) -> ColumnElement[Any]:
    if name == "postgresql":
        return cast(func.floor(extract("epoch", column)), BigInteger)
    return sqlite_epoch(column)


def load(
    session: Session, window: Window, filters: Filters, hours: WorkingHours
) -> list[PersonPages]:
    """Pages sent in the window per person (drills apart), and those outside working hours."""
    name = dialect(session)
    zones = sorted(session.scalars(select(User.time_zone).distinct()))
    epoch = _epoch(name, Page.created_at)
    shifts = [
        (and_(User.time_zone == zone, epoch < end), offset)
        for zone in zones
        for end, offset in offsets(zone, window.since, window.until)
    ]
    local = epoch + (case(*shifts, else_=0) if shifts else 0)
    weekday = (local // DAY + EPOCH_WEEKDAY) % 7
    second = local % DAY
    working = and_(
        weekday.in_(sorted(hours.days)),
        second >= hours.start_minute * 60,
        second < hours.end_minute * 60,
    )
    stmt = (
        select(
            User.email,
            User.name,
            User.time_zone,
            Incident.drill,
            func.count(),
            func.sum(case((working, 0), else_=1)),
        )
        .select_from(Page)
        .join(User, User.id == Page.user_id)
        .join(Incident, Incident.id == Page.incident_id)
        .where(Page.created_at >= window.since, Page.created_at < window.until)
        .where(*narrowed(filters))
        .group_by(User.email, User.name, User.time_zone, Incident.drill)
    )
    return [
        PersonPages(e, n, tz, bool(dr), int(c), int(out or 0))
        for e, n, tz, dr, c, out in session.execute(stmt)
    ]
