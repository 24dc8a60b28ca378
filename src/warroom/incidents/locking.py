"""Serialising writers of one incident: the first lock of every incident path.

Lock order (docs/dev/engine.md, "Lock order"): alert rows, then the incident row, then its
escalation state, then jobs, pages and messages. Every function here takes the incident row
with a write, so on SQLite it is also the moment the transaction takes the database write
lock: nothing read after it can be changed by another writer before this one commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.incidents.models import Incident

_TABLE: Table = Incident.__table__  # type: ignore[assignment]


def lock(session: Session, clock: Clock, incident: Incident) -> Incident:
    """Lock the incident row for this transaction and reload it.

    A write rather than SELECT ... FOR UPDATE: it takes the row lock on PostgreSQL and the
    database write lock on SQLite, so a check-then-change (is it still triggered?) is safe on
    both.
    """
    session.execute(
        update(Incident)
        .where(Incident.id == incident.id)
        .values(updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    session.refresh(incident)
    return incident


def lock_by_id(session: Session, incident_id: int) -> Incident | None:
    """Lock the incident row without touching it and load it fresh; None if there is none.

    For engine jobs and intake, which must not move `updated_at`: on SQLite a no-op UPDATE
    takes the write lock before anything is read; on PostgreSQL SELECT ... FOR NO KEY UPDATE
    takes the row lock a transition's UPDATE takes.
    """
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # The same row lock as a no-op UPDATE (FOR NO KEY UPDATE: inserts of rows that refer
        # to the incident are not held up), taken and loaded in one statement.
        return session.get(
            Incident,
            incident_id,
            populate_existing=True,
            with_for_update={"key_share": True},
        )
    found = session.connection().execute(
        update(_TABLE).where(_TABLE.c.id == incident_id).values(reopen_count=_TABLE.c.reopen_count)
    )
    if not found.rowcount:
        return None
    return session.get(Incident, incident_id, populate_existing=True)


_TAKE_ROW = (
    update(_TABLE).where(_TABLE.c.id == bindparam("_id")).values(reopen_count=_TABLE.c.reopen_count)
)


def lock_rows(session: Session, incident_ids: Iterable[int]) -> None:
    """Lock these incident rows in id order as lock_by_id does, without loading them (for
    callers that need only the lock, such as intake counting an incident's open alerts)."""
    session.flush()
    conn = session.connection()
    for incident_id in sorted(set(incident_ids)):
        conn.execute(_TAKE_ROW, {"_id": incident_id})
