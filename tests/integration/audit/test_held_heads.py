"""A transaction's further appends to a timeline it already holds take the head from the
session: no second bump, the same chain as appending one by one, and a rolled-back savepoint
makes the next append read the head again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.factories import make_incident, seed_catalog
from warroom.audit import heads
from warroom.audit import service as timeline
from warroom.audit.verify import verify
from warroom.clock import FakeClock
from warroom.db import Database


@contextmanager
def bumps(db: Database) -> Iterator[list[str]]:
    """The head bumps (UPDATE ... last_seq + 1) run meanwhile."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "timeline_chain_heads" in statement and "last_seq +" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _note(session: Any, clock: FakeClock, incident_id: int, text: str) -> int:
    clock.advance(seconds=1)
    recorded = timeline.record(
        session,
        clock,
        incident_id=incident_id,
        kind="incident:note:added",
        actor="a@example.com",
        payload={"text": text},
    )
    return recorded.seq


def _incident(db: Database, clock: FakeClock) -> int:
    with db.session() as session:
        seed_catalog(session)
        incident_id = make_incident(session, clock).id
        session.commit()
    return incident_id


def _clean(db: Database) -> None:
    with db.session() as session:
        report = verify(session).as_dict()
    assert report["ok"], report


def test_one_bump_per_transaction_and_the_chain_verifies(db: Database, clock: FakeClock) -> None:
    incident_id = _incident(db, clock)
    with db.session() as session, bumps(db) as seen:
        seqs = [_note(session, clock, incident_id, f"note {n}") for n in range(4)]
        session.commit()
    assert len(seen) == 1, seen  # the first append locks the head; the others reuse it
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    with db.session() as session:
        last_seq, last_hash = heads.head_of(session, incident_id)
        events = timeline.last_events(session, incident_id=incident_id, count=1)
    assert (last_seq, last_hash) == (events[-1].seq, events[-1].hash)
    with db.session() as session, bumps(db) as seen:
        assert _note(session, clock, incident_id, "next transaction") == seqs[-1] + 1
        session.commit()
    assert len(seen) == 1  # a new transaction holds nothing: it bumps again
    _clean(db)


def test_a_rolled_back_savepoint_forgets_the_held_head(db: Database, clock: FakeClock) -> None:
    incident_id = _incident(db, clock)
    with db.session() as session, bumps(db) as seen:
        first = _note(session, clock, incident_id, "kept")
        nested = session.begin_nested()
        assert _note(session, clock, incident_id, "rolled back") == first + 1
        nested.rollback()
        # The savepoint's event and head update are gone: the head is read again.
        assert _note(session, clock, incident_id, "after the savepoint") == first + 1
        session.commit()
    assert len(seen) == 2, seen
    with db.session() as session:
        events = timeline.last_events(session, incident_id=incident_id)
    texts = [e.payload.get("text") for e in events]
    assert texts[-2:] == ["kept", "after the savepoint"]
    _clean(db)


def test_new_incidents_in_one_transaction_anchor_in_order(db: Database, clock: FakeClock) -> None:
    """Several chains born in one transaction: the anchor register's head is bumped once and
    each further anchor follows the one before it."""
    with db.session() as session:
        seed_catalog(session)
        session.commit()
    with db.session() as session:
        for n in range(3):
            make_incident(session, clock, title=f"born together {n}")
        session.commit()
    _clean(db)
