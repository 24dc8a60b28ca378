"""Tampering beyond one event, in SQL: evidence rows deleted, tombstones cleared or forged,
whole incidents wiped, chains rebuilt or slipped in. `audit verify` names each one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.factories import make_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.evidence import service as evidence
from warroom.evidence.tamper import verify_all
from warroom.incidents import service as incidents


def _setup(db: Database, clock: FakeClock) -> dict[str, int]:
    """Three incidents with notes; the second holds two evidence items, one removed."""
    made: dict[str, int] = {}
    with db.session() as session:
        for name in ("first", "second", "third"):
            clock.advance(minutes=1)
            incident = make_incident(session, clock, title=name)
            incidents.add_note(session, clock, incident, text=f"{name} note", actor="a")
            made[name] = incident.id
        second = incidents.get_incident(session, 2)
        for label in ("kept", "dropped"):
            item = evidence.add_evidence(
                session,
                clock,
                second,
                kind="text",
                name=label,
                content=label.encode(),
                actor="a",
                max_bytes=100,
            )
            made[label] = item.id
        evidence.remove(session, clock, second, made["dropped"], actor="a", reason="wrong host")
    return made


def _sql(db: Database, *statements: str, **params: Any) -> None:
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def _report(db: Database) -> dict[str, Any]:
    with db.session() as session:
        return verify_all(session).as_dict()


def _messages(report: dict[str, Any]) -> list[str]:
    return [p["message"] for p in report["problems"]] + report["evidence_problems"]


def test_untouched_database_verifies(db: Database, clock: FakeClock) -> None:
    _setup(db, clock)
    report = _report(db)
    assert report["ok"] is True, report
    assert report["chains"] == 3 and report["evidence_items"] == 2


def test_deleted_evidence_row(db: Database, clock: FakeClock) -> None:
    made = _setup(db, clock)
    _sql(db, "DELETE FROM evidence_items WHERE id = :id", id=made["kept"])
    report = _report(db)
    assert report["ok"] is False and report["problems"] == []
    (message,) = report["evidence_problems"]
    assert message.startswith(f"INC-2: evidence item {made['kept']} (kept), recorded as added")
    assert message.endswith("is missing (its row was deleted)")


def test_revived_tombstone(db: Database, clock: FakeClock) -> None:
    made = _setup(db, clock)
    _sql(
        db,
        "UPDATE evidence_items SET removed_at = NULL, removed_by = NULL, removed_reason = NULL "
        "WHERE id = :id",
        id=made["dropped"],
    )
    (message,) = _report(db)["evidence_problems"]
    assert f"evidence item {made['dropped']} (dropped): removed by event" in message
    assert "tombstone was cleared (revived)" in message


def test_forged_tombstone(db: Database, clock: FakeClock) -> None:
    made = _setup(db, clock)
    _sql(
        db,
        "UPDATE evidence_items SET removed_at = :t, removed_by = 'mallory' WHERE id = :id",
        t=clock.now(),
        id=made["kept"],
    )
    (message,) = _report(db)["evidence_problems"]
    assert f"evidence item {made['kept']} (kept): marked removed, but no" in message


def _wipe(db: Database, incident_id: int) -> None:
    _sql(
        db,
        "DELETE FROM evidence_items WHERE incident_id = :i",
        "DELETE FROM timeline_events WHERE chain = :i",
        "DELETE FROM timeline_chain_heads WHERE chain = :i",
        "DELETE FROM incident_services WHERE incident_id = :i",
        "DELETE FROM incidents WHERE id = :i",
        i=incident_id,
    )


def test_wiped_incident_leaves_its_anchor_dangling(db: Database, clock: FakeClock) -> None:
    made = _setup(db, clock)
    _wipe(db, made["second"])
    report = _report(db)
    assert report["ok"] is False and report["evidence_problems"] == []
    (problem,) = report["problems"]
    assert problem["problem"] == "wiped" and problem["chain"] == made["second"]
    assert "anchored as #2" in problem["message"]
    assert "its whole timeline is gone (the incident was wiped)" in problem["message"]


def test_wiped_incident_and_its_anchor_break_the_register(db: Database, clock: FakeClock) -> None:
    made = _setup(db, clock)
    _wipe(db, made["second"])
    _sql(db, "DELETE FROM timeline_chain_anchors WHERE chain = :i", i=made["second"])
    (problem,) = _report(db)["problems"]
    assert problem["problem"] == "deleted"
    assert problem["message"] == "the anchor register: anchor #2 is missing before #3"


def test_wiping_the_newest_incident_and_its_anchor(db: Database, clock: FakeClock) -> None:
    """The register's head in the database still counts it (a checkpoint catches the rest)."""
    made = _setup(db, clock)
    _wipe(db, made["third"])
    _sql(db, "DELETE FROM timeline_chain_anchors WHERE chain = :i", i=made["third"])
    (problem,) = _report(db)["problems"]
    assert problem["message"] == "the anchor register: the last anchor #3 is missing"


def test_rebuilt_chain_contradicts_its_anchor(db: Database, clock: FakeClock) -> None:
    """A whole incident timeline recomputed (first event edited, every hash redone) still
    verifies as a chain, but its first event is not the anchored one."""
    from warroom.audit.chain import event_hash
    from warroom.audit.models import ChainHead, TimelineEvent

    made = _setup(db, clock)
    chain = made["first"]
    with db.session() as session:
        rows = session.query(TimelineEvent).filter_by(chain=chain).order_by(TimelineEvent.seq)
        prev = ""
        for row in rows:
            if row.seq == 1:
                row.payload = {**row.payload, "title": "nothing happened"}
            row.prev_hash = prev
            row.hash = prev = event_hash(
                chain=row.chain,
                seq=row.seq,
                incident_id=row.incident_id,
                kind=row.kind,
                actor=row.actor,
                occurred_at=row.occurred_at,
                payload=row.payload,
                prev_hash=row.prev_hash,
            )
        head = session.get(ChainHead, chain)
        assert head is not None
        head.last_hash = prev
    (problem,) = _report(db)["problems"]
    assert problem["chain"] == chain and problem["problem"] == "edited"
    assert "INC-1: its first event is not the one anchored as #1" in problem["message"]


def test_chain_without_anchor(db: Database, clock: FakeClock) -> None:
    """An incident slipped in behind the register: its anchor removed, the register rewound."""
    made = _setup(db, clock)
    _sql(db, "DELETE FROM timeline_chain_anchors WHERE chain = :i", i=made["third"])
    _sql(
        db,
        "UPDATE timeline_chain_heads SET last_seq = 2, "
        "last_hash = (SELECT hash FROM timeline_chain_anchors WHERE seq = 2) WHERE chain = -1",
    )
    (problem,) = _report(db)["problems"]
    assert problem["problem"] == "unanchored" and problem["chain"] == made["third"]
    assert problem["message"].startswith("INC-3: the chain is not in the anchor register")


def test_edited_anchor(db: Database, clock: FakeClock) -> None:
    made = _setup(db, clock)
    _sql(
        db,
        "UPDATE timeline_chain_anchors SET anchored_at = :t WHERE chain = :i",
        t=clock.now(),
        i=made["first"],
    )
    messages = _messages(_report(db))
    assert messages == ["the anchor register: anchor #1 was edited"]
