"""Workers of other processes are woken by one NOTIFY per transaction that queued work,
sent as it commits (PostgreSQL); nothing is sent for a transaction that queued nothing or
rolled back, and SQLite has no NOTIFY at all."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine import wake


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []
    me = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == me:
            seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def notifies(seen: list[str]) -> list[int]:
    return [i for i, s in enumerate(seen) if "pg_notify" in s]


def test_one_notify_per_transaction_sent_as_it_commits(db: Database, clock: FakeClock) -> None:
    woken = wake.subscribe()
    try:
        with statements(db) as seen, db.sessions() as session:
            engine.enqueue(session, clock, "noop", {"n": 1})
            engine.enqueue(session, clock, "noop", {"n": 2}, dedup_key="k")
            engine.enqueue(session, clock, "noop", {"n": 3}, dedup_key="new", new_key=True)
            assert notifies(seen) == []  # not yet: the transaction is still open
            assert not woken.is_set()
            session.commit()
        assert woken.is_set()
        expected = 1 if db.dialect == "postgresql" else 0
        assert len(notifies(seen)) == expected

        woken.clear()
        with statements(db) as seen, db.sessions() as session:
            engine.enqueue(session, clock, "noop", {"n": 4})
            session.rollback()
            session.commit()  # a new transaction that queued nothing
        assert notifies(seen) == []
        assert not woken.is_set()
    finally:
        wake.unsubscribe(woken)


def test_work_queued_after_a_rolled_back_savepoint_still_notifies(
    db: Database, clock: FakeClock
) -> None:
    with statements(db) as seen, db.sessions() as session:
        with session.begin_nested() as inner:
            engine.enqueue(session, clock, "noop", {"n": 1})
            inner.rollback()
        engine.enqueue(session, clock, "noop", {"n": 2})
        session.commit()
    assert len(notifies(seen)) == (1 if db.dialect == "postgresql" else 0)
