"""Rows inserted into a timeline in SQL: at the end with a made-up hash, at the end with a
correctly chained hash (the head not advanced), and in the middle (the later events moved
one place on). Each is named, on both databases (docs/incidents.md, Timeline)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from tests.integration.audit.test_tamper import _report, _setup, _tamper
from warroom.audit.chain import event_hash
from warroom.clock import FakeClock
from warroom.db import Database

INSERT = (
    "INSERT INTO timeline_events (id, chain, seq, incident_id, kind, actor, occurred_at, "
    "payload, prev_hash, hash, starred) VALUES (:id, :chain, :seq, :chain, 'incident:note:added',"
    " 'a@example.com', :at, :payload, :prev, :hash, false)"
)
AT = datetime(2026, 3, 1, 12, 0)


def _last_hash(db: Database, chain: int) -> str:
    with db.engine.begin() as conn:
        return str(
            conn.execute(
                text("SELECT hash FROM timeline_events WHERE chain = :c ORDER BY seq DESC"),
                {"c": chain},
            ).first()[0]  # type: ignore[index]
        )


def _only_problem(db: Database) -> dict[str, object]:
    report = _report(db)
    assert report["ok"] is False
    (problem,) = report["problems"]  # type: ignore[misc]
    return dict(problem)


def test_an_event_appended_with_a_made_up_hash_is_named(db: Database, clock: FakeClock) -> None:
    chain, number, _ids = _setup(db, clock)
    _tamper(db, INSERT, id=9000, chain=chain, seq=7, at=AT, payload="{}", prev="x", hash="y")
    problem = _only_problem(db)
    assert problem["event_id"] == 9000 and problem["problem"] == "edited"
    assert problem["message"] == f"INC-{number}: event 9000 (#7, incident:note:added) was edited"


def test_an_event_appended_with_a_chained_hash_is_named(db: Database, clock: FakeClock) -> None:
    chain, number, _ids = _setup(db, clock)
    prev = _last_hash(db, chain)
    good = event_hash(
        chain=chain,
        seq=7,
        incident_id=chain,
        kind="incident:note:added",
        actor="a@example.com",
        occurred_at=AT,
        payload={},
        prev_hash=prev,
    )
    _tamper(db, INSERT, id=9000, chain=chain, seq=7, at=AT, payload="{}", prev=prev, hash=good)
    problem = _only_problem(db)
    assert problem["message"] == f"INC-{number}: events were appended behind the chain's back"


def test_an_event_inserted_in_the_middle_is_named(db: Database, clock: FakeClock) -> None:
    chain, number, ids = _setup(db, clock)
    # Move events #4..#6 one place on (from the last, so (chain, seq) stays unique).
    for event_id in reversed(ids[3:]):
        _tamper(db, "UPDATE timeline_events SET seq = seq + 1 WHERE id = :id", id=event_id)
    _tamper(db, INSERT, id=9000, chain=chain, seq=4, at=AT, payload="{}", prev="x", hash="y")
    problem = _only_problem(db)
    # The inserted row's id is newer than the event after it: it is out of order.
    assert problem["event_id"] == 9000 and problem["problem"] == "reordered"
    said = f"INC-{number}: event 9000 (#4, incident:note:added) is out of order"
    assert problem["message"] == said
