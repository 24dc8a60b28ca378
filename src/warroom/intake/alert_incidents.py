"""Alerts and their incidents: link alerts to an incident, count an incident's open alerts,
find the incident a routing group's newest alert joined. Statements on the alerts table, as in
`dedup`, with few round trips.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    String,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from warroom.incidents import service as incidents
from warroom.intake.dedup import ALERTS, C, chunks

_OPEN_COUNTS = (
    select(C.incident_id, func.count())
    .where(C.incident_id.in_(bindparam("ids", expanding=True)), C.resolved_at.is_(None))
    .group_by(C.incident_id)
)


def open_counts(session: Session, incident_ids: set[int]) -> dict[int, int]:
    """incident id -> number of its alerts still open."""
    if not incident_ids:
        return {}
    rows = session.connection().execute(_OPEN_COUNTS, {"ids": sorted(incident_ids)})
    counts = {int(r[0]): int(r[1]) for r in rows}
    return {i: counts.get(i, 0) for i in incident_ids}


_LINKED: dict[str, Any] = {
    "incident_id": bindparam("_incident_id"),
    "incident_number": bindparam("_number"),
}
_LINK = update(ALERTS).where(C.id.in_(bindparam("ids", expanding=True))).values(_LINKED)
# One alert (most groups): `id = :ids`, since an expanding IN is rendered on each execution.
_LINK_ONE = update(ALERTS).where(C.id == bindparam("ids")).values(_LINKED)


def link_incident(
    session: Session, ids: list[int], incident_id: int | None = None, number: int | None = None
) -> None:
    """Link these alerts to an incident (none: take them off theirs)."""
    for part in chunks(ids):
        statement, value = (_LINK_ONE, part[0]) if len(part) == 1 else (_LINK, part)
        session.connection().execute(
            statement, {"ids": value, "_incident_id": incident_id, "_number": number}
        )


_GROUP_INCIDENT = (
    # The incident's status rides along, as in _BUMP_OPEN: one round trip, not two.
    select(C.incident_id, C.incident_number, incidents.status_of(C.incident_id))
    .where(C.group_key == bindparam("key"), C.incident_id.is_not(None))
    .order_by(C.id.desc())
    .limit(1)
)


@dataclass(frozen=True)
class GroupIncident:
    """The incident the newest alert of a routing group joined, as that alert names it."""

    id: int
    number: int | None
    status: str | None  # None: the incident row is gone


def group_incident(session: Session, key: str) -> GroupIncident | None:
    """The incident the newest alert of a routing group joined (with its status), if any."""
    session.flush()  # an incident changed in this session counts, as with an ORM query
    row = session.connection().execute(_GROUP_INCIDENT, {"key": key}).first()
    if row is None:
        return None
    number = None if row[1] is None else int(row[1])
    return GroupIncident(int(row[0]), number, None if row[2] is None else str(row[2]))


_GROUP_NEWEST = (
    select(C.incident_id, C.incident_number, incidents.status_of(C.incident_id).label("status"))
    .where(C.group_key == bindparam("key"), C.incident_id.is_not(None))
    .order_by(C.id.desc())
    .limit(1)
    .subquery()
)
_OPEN_OF_GROUP = incidents.open_in_dedup_group(bindparam("dedup")).subquery()
# Both reads of `group_and_open_incident` in one round trip: a row tagged 0 for the group's
# newest alert's incident, one tagged 1 for the newest open incident of the dedup group.
_GROUP_AND_OPEN = union_all(
    select(literal_column("0"), *_GROUP_NEWEST.c),
    select(literal_column("1"), *_OPEN_OF_GROUP.c, cast(null(), String)),
)


def group_and_open_incident(
    session: Session, key: str, dedup: str
) -> tuple[GroupIncident | None, tuple[int, int] | None]:
    """`group_incident(key)`, and (id, number) of the newest open incident of the dedup group
    `dedup` (see `incidents.find_open_by_dedup_group`), read together."""
    session.flush()  # an incident changed in this session counts, as with an ORM query
    rows = session.connection().execute(_GROUP_AND_OPEN, {"key": key, "dedup": dedup})
    last, found = None, None
    for tag, incident_id, number, status in rows:
        if int(tag) == 0:
            number = None if number is None else int(number)
            last = GroupIncident(int(incident_id), number, None if status is None else str(status))
        else:
            found = (int(incident_id), int(number))
    return last, found


def last_incident_of_group(session: Session, key: str) -> int | None:
    """The incident the newest alert of a routing group joined, if any."""
    found = group_incident(session, key)
    return None if found is None else found.id
