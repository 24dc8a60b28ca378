"""Evidence tampered with in SQL is named by `audit verify` on both databases."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories import make_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.evidence import service
from warroom.evidence.tamper import verify_all


def _setup(seeded: Database, clock: FakeClock) -> list[int]:
    with seeded.session() as session:
        incident = make_incident(session, clock)
        return [
            service.add_evidence(
                session,
                clock,
                incident,
                kind="text",
                name=f"item {i}",
                content=f"content {i}".encode(),
                actor="a",
                max_bytes=100,
            ).id
            for i in range(3)
        ]


def _problems(seeded: Database) -> list[str]:
    with seeded.session() as session:
        report = verify_all(session)
        assert report.checked["evidence"] == 3
        return report.findings["evidence"]


def test_untouched_evidence_verifies(seeded: Database, clock: FakeClock) -> None:
    _setup(seeded, clock)
    assert _problems(seeded) == []


def test_changed_bytes_are_named(seeded: Database, clock: FakeClock) -> None:
    ids = _setup(seeded, clock)
    with seeded.engine.begin() as conn:
        conn.execute(
            text("UPDATE evidence_items SET content = :c WHERE id = :id"),
            {"c": b"forged", "id": ids[1]},
        )
    (problem,) = _problems(seeded)
    assert problem.startswith(f"INC-1: evidence item {ids[1]} (item 1): content hashes to")


def test_changed_bytes_and_hash_are_caught_by_the_timeline(
    seeded: Database, clock: FakeClock
) -> None:
    import hashlib

    ids = _setup(seeded, clock)
    forged = b"forged"
    with seeded.engine.begin() as conn:
        conn.execute(
            text("UPDATE evidence_items SET content = :c, sha256 = :s, size = 6 WHERE id = :id"),
            {"c": forged, "s": hashlib.sha256(forged).hexdigest(), "id": ids[2]},
        )
    (problem,) = _problems(seeded)
    assert f"evidence item {ids[2]} (item 2): sha256" in problem
    assert "differs from the timeline's" in problem
