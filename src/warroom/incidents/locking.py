"""Serialising writers of one incident."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.incidents.models import Incident


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
