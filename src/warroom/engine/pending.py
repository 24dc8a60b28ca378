"""New rows a shared transaction writes together: jobs, and rows added with `add_later`.

Per-incident paths insert their own rows (pages, outbox messages) with Core INSERTs and
flush what is pending first, as the ORM would. Nothing refers to a job row, nor to a row
added with `add_later`, before the transaction's next flush: those stay pending, so the
rows of a chunk's jobs go in together as it commits (or at the ORM's next autoflush).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from warroom.engine.models import Job


def flush_but_new_jobs(session: Session) -> None:
    """Flush what is pending, unless it is only new jobs (or rows added with `add_later`):
    before a Core INSERT on a path that runs per incident. Nothing refers to a job row, so
    the jobs a transaction queues can wait for its next flush and go in together (a burst's
    delivery jobs in one statement)."""
    if session.deleted or session.dirty:
        session.flush()
        return
    later = session.info.get(_LATER, ())
    if any(not isinstance(o, Job) and id(o) not in later for o in session.new):
        session.flush()


_LATER = "warroom.engine.later"


def add_later(session: Session, row: Any) -> None:
    """Add a new row that no statement of the transaction needs before its next flush (the
    ORM's autoflush still puts it in before any query): such rows of several jobs of a
    shared transaction go in together, one statement per table."""
    session.add(row)
    session.info.setdefault(_LATER, set()).add(id(row))


@event.listens_for(Session, "after_flush")
def _forget_later(session: Session, _context: Any) -> None:
    session.info.pop(_LATER, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_later_rolled_back(session: Session, _previous: Any) -> None:
    session.info.pop(_LATER, None)  # what was added is expunged; its ids may be reused
