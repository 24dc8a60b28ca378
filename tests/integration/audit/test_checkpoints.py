"""Chain heads anchored outside the database: signed checkpoints written by the engine to a
file, a real local webhook receiver and a real local SMTP server, then compared with the
database after tampering that the database alone cannot show."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.factories import make_incident
from tests.integration.notify.receivers import http_receiver, smtp_server
from warroom import wiring
from warroom.audit import checkpoint
from warroom.audit import service as timeline
from warroom.audit.chain import event_hash
from warroom.audit.jobs import KIND, schedule
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.evidence.integrity import incident_numbers
from warroom.evidence.tamper import verify_all
from warroom.incidents import service as incidents
from warroom.settings import Settings

SECRET = "test-secret"


def _setup(db: Database, clock: FakeClock) -> int:
    """Two incidents with notes and a global chain of three events; the first incident's id."""
    with db.session() as session:
        first = make_incident(session, clock)
        for i in range(3):
            clock.advance(seconds=10)
            incidents.add_note(session, clock, first, text=f"note {i}", actor="a")
            timeline.record(session, clock, incident_id=None, kind="intake:alert:fired", actor="b")
        make_incident(session, clock, title="bystander")
        return first.id


def _run_checkpoint_job(db: Database, clock: FakeClock, settings: Settings) -> None:
    wiring.install()
    with db.session() as session:
        assert schedule(session, clock, settings) is not None
    clock.advance(seconds=settings.audit_checkpoint_seconds)
    assert Worker(db, clock, settings, "test").run_once() == 1
    with db.session() as session:
        states = session.execute(
            text("SELECT state FROM jobs WHERE kind = :k ORDER BY id"), {"k": KIND}
        ).scalars()
        assert list(states) == ["done", "pending"]  # delivered, and the next one queued


def _compare(db: Database, doc: dict[str, Any], secret: str = SECRET) -> list[dict[str, Any]]:
    with db.session() as session:
        numbers = incident_numbers(session, None)
        return [p.as_dict() for p in checkpoint.compare(session, doc, secret, numbers)]


def _clean(db: Database) -> bool:
    with db.session() as session:
        return verify_all(session).ok


def test_engine_appends_a_private_checkpoint_file(
    db: Database, clock: FakeClock, settings: Settings, tmp_path: Path
) -> None:
    _setup(db, clock)
    target = tmp_path / "other-disk" / "checkpoints.jsonl"
    settings = settings.model_copy(update={"audit_checkpoint_file": target})
    _run_checkpoint_job(db, clock, settings)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    (doc,) = checkpoint.load(target)
    heads = {h["chain"]: h["seq"] for h in doc["heads"]}
    assert heads[0] == 3 and heads[-1] == 2  # the global chain and the anchor register
    assert _compare(db, doc) == []
    _run_checkpoint_job_again(db, clock, settings)
    assert len(checkpoint.load(target)) == 2  # appended, not replaced


def _run_checkpoint_job_again(db: Database, clock: FakeClock, settings: Settings) -> None:
    clock.advance(seconds=settings.audit_checkpoint_seconds)
    assert Worker(db, clock, settings, "test").run_once() == 1


def test_engine_posts_the_checkpoint_to_a_webhook(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    _setup(db, clock)
    with http_receiver() as receiver:
        url = f"http://{receiver.url}/audit"
        _run_checkpoint_job(db, clock, settings.model_copy(update={"audit_checkpoint_url": url}))
        (request,) = receiver.to("/audit")
    doc = json.loads(request.body)
    assert request.headers["Idempotency-Key"] == f"audit-checkpoint:{doc['written_at']}"
    assert doc["format"] == checkpoint.FORMAT and _compare(db, doc) == []


def test_failing_webhook_retries_and_queues_no_successor(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    _setup(db, clock)
    with http_receiver() as receiver:
        receiver.status["/audit"] = 503
        settings = settings.model_copy(
            update={"audit_checkpoint_url": f"http://{receiver.url}/audit"}
        )
        wiring.install()
        with db.session() as session:
            schedule(session, clock, settings)
        clock.advance(seconds=settings.audit_checkpoint_seconds)
        Worker(db, clock, settings, "test").run_once()
        assert len(receiver.to("/audit")) == 1
    with db.session() as session:
        rows = session.execute(
            text("SELECT state, attempts FROM jobs WHERE kind = :k"), {"k": KIND}
        )
        assert [tuple(r) for r in rows] == [("pending", 1)]  # retried later, alone


def test_engine_mails_the_checkpoint(db: Database, clock: FakeClock, settings: Settings) -> None:
    _setup(db, clock)
    with smtp_server() as box:
        settings = settings.model_copy(
            update={
                "smtp_url": f"mailto://127.0.0.1:{box.port}?from=warroom@example.com&mode=insecure",
                "audit_checkpoint_email": "auditors@example.com",
            }
        )
        _run_checkpoint_job(db, clock, settings)
        (message,) = box.messages
    assert "auditors@example.com" in message["To"]
    assert message["Subject"].startswith("warroom audit checkpoint")
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    doc = json.loads(body)
    assert _compare(db, doc) == []


def _checkpoint_now(db: Database, clock: FakeClock, secret: str = SECRET) -> dict[str, Any]:
    with db.session() as session:
        return checkpoint.build(session, clock, secret)


def test_tail_deleted_with_the_head_rewritten(db: Database, clock: FakeClock) -> None:
    incident_id = _setup(db, clock)
    doc = _checkpoint_now(db, clock)
    with db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM timeline_events WHERE chain = :c AND seq = 4"), {"c": incident_id}
        )
        conn.execute(
            text(
                "UPDATE timeline_chain_heads SET last_seq = 3, last_hash = "
                "(SELECT hash FROM timeline_events WHERE chain = :c AND seq = 3) WHERE chain = :c"
            ),
            {"c": incident_id},
        )
    assert _clean(db)  # the database agrees with itself
    (problem,) = _compare(db, doc)
    assert problem["problem"] == "deleted" and problem["chain"] == incident_id
    assert "INC-1: the checkpoint of" in problem["message"]
    assert "pins #4, but the chain ends at #3 (its tail was deleted)" in problem["message"]


def test_whole_chain_recomputed(db: Database, clock: FakeClock) -> None:
    """Every event of the global chain rewritten and rehashed, its head moved along: the
    database verifies clean, the checkpoint does not."""
    from warroom.audit.models import ChainHead, TimelineEvent

    _setup(db, clock)
    doc = _checkpoint_now(db, clock)
    with db.session() as session:
        prev = ""
        for event in session.query(TimelineEvent).filter_by(chain=0).order_by(TimelineEvent.seq):
            event.payload, event.prev_hash = {"forged": event.seq}, prev
            event.hash = prev = event_hash(
                chain=0,
                seq=event.seq,
                incident_id=None,
                kind=event.kind,
                actor=event.actor,
                occurred_at=event.occurred_at,
                payload=event.payload,
                prev_hash=prev,
            )
        head = session.get(ChainHead, 0)
        assert head is not None
        head.last_hash = prev
    assert _clean(db)
    (problem,) = _compare(db, doc)
    assert problem["chain"] == 0 and problem["problem"] == "edited" and problem["seq"] == 3
    assert "#3 is not the event the checkpoint of" in problem["message"]
    assert "(the chain was recomputed)" in problem["message"]


@pytest.mark.parametrize("forgery", ["other key", "edited head", "no signature"])
def test_forged_checkpoint_is_refused(db: Database, clock: FakeClock, forgery: str) -> None:
    _setup(db, clock)
    doc = _checkpoint_now(
        db, clock, secret="someone else's key" if forgery == "other key" else SECRET
    )
    if forgery == "edited head":
        doc["heads"][0]["seq"] += 5
    if forgery == "no signature":
        del doc["signature"]
    (problem,) = _compare(db, doc)
    assert problem["problem"] == "forged"
    assert "is not signed with this installation's key (forged)" in problem["message"]
