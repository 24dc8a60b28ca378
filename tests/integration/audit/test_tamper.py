"""Tamper with timeline rows in SQL; verify names the first edited, deleted or reordered event."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.factories import make_incident, seed_catalog
from warroom.audit import service as timeline
from warroom.audit.verify import verify
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.errors import Invalid
from warroom.evidence.integrity import incident_numbers
from warroom.incidents import service


def _setup(db: Database, clock: FakeClock) -> tuple[int, int, list[int]]:
    """Two incidents; the first has 6 events. Returns (incident id, number, event ids)."""
    with db.session() as session:
        seed_catalog(session)
        incident = make_incident(session, clock)
        for i in range(5):
            clock.advance(seconds=30)
            service.add_note(session, clock, incident, text=f"note {i}", actor="a@example.com")
        make_incident(session, clock, title="bystander")
        timeline.record(session, clock, incident_id=None, kind="intake:alert:fired", actor="am")
        ids = list(
            session.scalars(
                text("SELECT id FROM timeline_events WHERE chain = :c ORDER BY seq"),
                {"c": incident.id},
            )
        )
        return incident.id, incident.number, ids


def _tamper(db: Database, sql: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _report(db: Database, incident_id: int | None = None) -> dict[str, object]:
    with db.session() as session:
        numbers = incident_numbers(session, None)
        return verify(session, incident_id=incident_id, numbers=numbers).as_dict()


def test_untouched_chains_verify(db: Database, clock: FakeClock) -> None:
    _setup(db, clock)
    report = _report(db)
    assert report["ok"] is True
    assert report["chains"] == 3 and report["events"] == 8


def test_edited_payload(db: Database, clock: FakeClock) -> None:
    incident_id, number, ids = _setup(db, clock)
    payload = '{"text": "nothing to see"}'
    _tamper(db, "UPDATE timeline_events SET payload = :p WHERE id = :id", p=payload, id=ids[3])
    report = _report(db)
    assert report["ok"] is False
    (problem,) = report["problems"]  # type: ignore[misc]
    assert problem["problem"] == "edited" and problem["event_id"] == ids[3]
    assert problem["seq"] == 4 and problem["incident_number"] == number
    assert f"event {ids[3]} (#4, incident:note:added) was edited" in problem["message"]
    assert _report(db, incident_id)["ok"] is False


def test_edited_actor_and_time(db: Database, clock: FakeClock) -> None:
    _, _, ids = _setup(db, clock)
    _tamper(db, "UPDATE timeline_events SET actor = 'someone-else' WHERE id = :id", id=ids[1])
    problem = _report(db)["problems"][0]  # type: ignore[index]
    assert (problem["problem"], problem["event_id"]) == ("edited", ids[1])


def test_deleted_middle_event(db: Database, clock: FakeClock) -> None:
    _, _, ids = _setup(db, clock)
    _tamper(db, "DELETE FROM timeline_events WHERE id = :id", id=ids[2])
    problem = _report(db)["problems"][0]  # type: ignore[index]
    assert problem["problem"] == "deleted"
    assert problem["event_id"] == ids[3]
    assert "event #3 is missing" in problem["message"]


def test_deleted_last_event(db: Database, clock: FakeClock) -> None:
    _, _, ids = _setup(db, clock)
    _tamper(db, "DELETE FROM timeline_events WHERE id = :id", id=ids[-1])
    problem = _report(db)["problems"][0]  # type: ignore[index]
    assert problem["problem"] == "deleted"
    assert "the last event #6 is missing" in problem["message"]


def test_swapped_seq_is_reordered(db: Database, clock: FakeClock) -> None:
    _, _, ids = _setup(db, clock)
    # Through a free value, since (chain, seq) is unique.
    _tamper(db, "UPDATE timeline_events SET seq = 1000 WHERE id = :id", id=ids[1])
    _tamper(db, "UPDATE timeline_events SET seq = 2 WHERE id = :id", id=ids[4])
    _tamper(db, "UPDATE timeline_events SET seq = 5 WHERE id = :id", id=ids[1])
    problem = _report(db)["problems"][0]  # type: ignore[index]
    assert problem["problem"] == "reordered"
    assert problem["event_id"] == ids[4] and problem["seq"] == 2


def test_recomputed_forgery_breaks_the_link(db: Database, clock: FakeClock) -> None:
    """An attacker who edits an event and recomputes its hash still breaks the next link."""
    from warroom.audit.chain import event_hash
    from warroom.audit.models import TimelineEvent

    incident_id, _, ids = _setup(db, clock)
    with db.session() as session:
        event = session.get(TimelineEvent, ids[2])
        assert event is not None
        event.payload = {"text": "forged"}
        event.hash = event_hash(
            chain=event.chain,
            seq=event.seq,
            incident_id=event.incident_id,
            kind=event.kind,
            actor=event.actor,
            occurred_at=event.occurred_at,
            payload=event.payload,
            prev_hash=event.prev_hash,
        )
    problem = _report(db, incident_id)["problems"][0]  # type: ignore[index]
    assert problem["problem"] == "edited" and problem["event_id"] == ids[2]


def test_global_chain_is_checked(db: Database, clock: FakeClock) -> None:
    _setup(db, clock)
    _tamper(db, "UPDATE timeline_events SET kind = 'intake:alert:resolved' WHERE chain = 0")
    problem = _report(db)["problems"][0]  # type: ignore[index]
    assert problem["chain"] == 0 and problem["problem"] == "edited"


def test_record_validates_kind(db: Database, clock: FakeClock) -> None:
    with db.session() as session, pytest.raises(Invalid) as caught:
        timeline.record(session, clock, incident_id=None, kind="Bad kind", actor="a")
    assert caught.value.field == "kind"


def test_starring_is_recorded_and_keeps_the_chain(db: Database, clock: FakeClock) -> None:
    incident_id, _, _ = _setup(db, clock)
    with db.session() as session:
        timeline.star_event(
            session, clock, incident_id=incident_id, seq=2, starred=True, actor="ic"
        )
    with db.session() as session:
        rows, _ = timeline.timeline_page(session, incident_id=incident_id, starred=True)
        assert [e.seq for e in rows] == [2]
        last = timeline.last_events(session, incident_id=incident_id, count=1)[0]
        assert last.kind == "incident:event:starred" and last.payload["seq"] == 2
    assert _report(db)["ok"] is True


def test_timeline_pages(session: Session, clock: FakeClock) -> None:
    incident = make_incident(session, clock)
    for i in range(9):
        service.add_note(session, clock, incident, text=str(i), actor="a")
    rows, cursor = timeline.timeline_page(session, incident_id=incident.id, limit=4)
    seen = [e.seq for e in rows]
    while cursor:
        rows, cursor = timeline.timeline_page(
            session, incident_id=incident.id, limit=4, cursor=cursor
        )
        seen += [e.seq for e in rows]
    assert seen == list(range(1, 11))
    newest, _ = timeline.timeline_page(session, incident_id=incident.id, limit=3, newest_first=True)
    assert [e.seq for e in newest] == [10, 9, 8]


def test_awkward_payloads_survive_the_round_trip(db: Database, clock: FakeClock) -> None:
    """JSONB reorders keys and rewrites numbers; the hash must still verify."""
    payload = {
        "z": 0.1,
        "a": 'é☃ "quoted" \\ back',
        "nested": {"b": [1, 2.5, None, True], "a": {}},
        "big": 1e20,
        "tiny": 1e-7,
        "neg": -0.0,
        "when": clock.now(),
    }
    with db.session() as session:
        seed_catalog(session)
        incident = make_incident(session, clock)
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="test:payload:odd",
            actor="a",
            payload=payload,
        )
        timeline.record(
            session, clock, incident_id=None, kind="test:payload:odd", actor="a", payload=payload
        )
    assert _report(db)["ok"] is True
