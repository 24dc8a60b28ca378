"""A transaction that batches its timeline events (`timeline.batch`, the engine's paging jobs)
writes them together: the same chains, seqs and hashes as one append at a time, one INSERT
for all of them, reads in the transaction see them, and a rolled-back savepoint forgets what
it recorded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from tests.factories import make_incident, seed_catalog
from warroom.audit import heads
from warroom.audit import service as timeline
from warroom.audit.chain import event_hash
from warroom.audit.models import TimelineEvent
from warroom.audit.verify import verify
from warroom.clock import FakeClock
from warroom.db import Database


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _incidents(db: Database, clock: FakeClock, count: int) -> list[int]:
    with db.session() as session:
        seed_catalog(session)
        ids = [make_incident(session, clock, title=f"batch {n}").id for n in range(count)]
        session.commit()
    return ids


def _note(session: Any, clock: FakeClock, incident_id: int | None, text: str) -> TimelineEvent:
    clock.advance(seconds=1)
    kind = "incident:note:added" if incident_id is not None else "admin:note:added"
    return timeline.record(
        session, clock, incident_id=incident_id, kind=kind, actor="a@example.com",
        payload={"text": text},
    )  # fmt: skip


def _texts(db: Database, incident_id: int) -> list[str]:
    with db.session() as session:
        events = timeline.last_events(session, incident_id=incident_id, count=50)
    return [e.payload["text"] for e in events if "text" in e.payload]


def _clean(db: Database) -> None:
    with db.session() as session:
        report = verify(session).as_dict()
    assert report["ok"], report


def test_one_insert_for_the_transaction_and_the_chains_verify(
    db: Database, clock: FakeClock
) -> None:
    first, second = _incidents(db, clock, 2)
    with db.session() as session, statements(db) as seen:
        timeline.batch(session)
        recorded = [
            _note(session, clock, chain, f"{chain}-{n}")
            for n in range(3)
            for chain in (second, first, None)  # the global chain too (it has no head yet)
        ]
        session.commit()
    inserts = [s for s in seen if "INSERT INTO timeline_events" in s]
    # The global chain's first event creates its head as one append does; the rest go in
    # with the incidents' events in one statement.
    assert len(inserts) == 2, inserts
    assert _texts(db, first) == [f"{first}-{n}" for n in range(3)]
    assert _texts(db, second) == [f"{second}-{n}" for n in range(3)]
    with db.session() as session:
        rows = {e.id: e for e in session.scalars(select(TimelineEvent))}
        for event_ in recorded:  # each returned event is its row, id, place and hash
            row = rows[event_.id]
            assert (row.chain, row.seq, row.hash) == (event_.chain, event_.seq, event_.hash)
            assert row.hash == event_hash(
                chain=row.chain, seq=row.seq, incident_id=row.incident_id, kind=row.kind,
                actor=row.actor, occurred_at=row.occurred_at, payload=row.payload,
                prev_hash=row.prev_hash,
            )  # fmt: skip
        for chain in (first, second):
            last = max((e for e in rows.values() if e.chain == chain), key=lambda e: e.seq)
            assert heads.head_of(session, chain) == (last.seq, last.hash)
    _clean(db)


def test_a_read_in_the_transaction_sees_the_waiting_events(db: Database, clock: FakeClock) -> None:
    (incident_id,) = _incidents(db, clock, 1)
    with db.session() as session:
        timeline.batch(session)
        _note(session, clock, incident_id, "one")
        _note(session, clock, incident_id, "two")
        found = timeline.events_since(
            session, incident_id=incident_id, kinds=["incident:note:added"]
        )
        assert [e.payload["text"] for e in found] == ["one", "two"]
        _note(session, clock, incident_id, "three")
        rows, _ = timeline.timeline_rows(session, incident_id=incident_id, newest_first=True)
        assert rows[0].payload == {"text": "three"}
        session.commit()
    assert _texts(db, incident_id) == ["one", "two", "three"]
    _clean(db)


def test_a_rolled_back_savepoint_forgets_what_it_recorded(db: Database, clock: FakeClock) -> None:
    (incident_id,) = _incidents(db, clock, 1)
    with db.session() as session:
        timeline.batch(session)
        _note(session, clock, incident_id, "kept")
        with session.begin_nested():
            _note(session, clock, incident_id, "released")
        nested = session.begin_nested()
        _note(session, clock, incident_id, "rolled back")
        nested.rollback()
        _note(session, clock, incident_id, "after the savepoint")
        session.commit()
    assert _texts(db, incident_id) == ["kept", "released", "after the savepoint"]
    _clean(db)


def test_a_rolled_back_transaction_writes_nothing_and_the_next_goes_on(
    db: Database, clock: FakeClock
) -> None:
    (incident_id,) = _incidents(db, clock, 1)
    with db.session() as session:
        timeline.batch(session)
        _note(session, clock, incident_id, "gone")
        _note(session, clock, incident_id, "gone too")
        session.rollback()
        # A new transaction: not batched unless asked again, and nothing is waiting.
        _note(session, clock, incident_id, "appended")
        session.commit()
    with db.session() as session:
        timeline.batch(session)
        _note(session, clock, incident_id, "batched again")
        _note(session, clock, incident_id, "and again")
        session.commit()
    assert _texts(db, incident_id) == ["appended", "batched again", "and again"]
    _clean(db)
