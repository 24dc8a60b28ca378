"""A pass of run_forever (run_once without wait) does not repeat a claim that found nothing:
a job queued meanwhile wakes the loop, and the next pass takes it. Under a burst each delivery
that ends wakes the loop to hand the pool another, and the empty claims of batch and serial
jobs repeated on every round were most of such a pass's statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders, service
from warroom.notify.senders import FakeSender
from warroom.settings import Settings


def test_a_pass_does_not_repeat_a_claim_that_found_nothing(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    fake = FakeSender()
    senders.set_sender(fake)
    claims: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("WITH CANDIDATES"):
            claims.append(statement)

    worker = Worker(db, clock, settings, "passes")
    try:
        with db.session() as session:
            service.queue_message(
                session, clock, url="json://127.0.0.1:9/hook", title="t", body="b",
                incident_id=None, user_id=None, idempotency_key="pass:1", purpose="page",
            )  # fmt: skip
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert worker.run_once(wait=False) == 1  # the delivery, handed to the pool
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert worker.pool.wait_idle(timeout=20)
    finally:
        worker.pool.shutdown()
        senders.set_sender(None)
    assert [m.idempotency_key for m in fake.sent] == ["pass:1"]
    # Round 1: batch jobs (urgent, then the others: none), deliveries (one), serial jobs
    # (none); round 2 (something was claimed): deliveries only. Before, round 2 made all four
    # claims again (8).
    assert len(claims) == 5, claims
