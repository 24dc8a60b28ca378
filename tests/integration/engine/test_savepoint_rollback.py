"""A savepoint is nested in its transaction on both databases: what it wrote goes when the
whole transaction rolls back, even when it was the transaction's first write (pysqlite opens
no transaction before a SAVEPOINT, and RELEASE then committed it on SQLite)."""

from __future__ import annotations

from sqlalchemy import func, select

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import Job


def test_a_keyed_job_queued_first_then_rolled_back_is_gone(db: Database, clock: FakeClock) -> None:
    with db.sessions() as session:
        # The job insert with a dedup key takes a savepoint; nothing was written before it.
        engine.enqueue(session, clock, "noop", {}, dedup_key="first-write")
        session.rollback()  # the caller's transaction fails later: nothing may remain
    with db.sessions() as session:
        count = session.scalar(select(func.count()).select_from(Job))
    assert count == 0


def test_a_keyed_job_queued_first_then_committed_is_kept(db: Database, clock: FakeClock) -> None:
    with db.sessions() as session:
        engine.enqueue(session, clock, "noop", {}, dedup_key="first-write")
        session.commit()
    with db.sessions() as session:
        keys = session.scalars(select(Job.dedup_key)).all()
    assert keys == ["first-write"]
