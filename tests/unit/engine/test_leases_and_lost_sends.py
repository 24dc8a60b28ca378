"""Leases are renewed while a handler runs; a message lost with its worker is never left
`sending`: it is sent again, or (if even the spare attempt is lost) marked failed, visibly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.factories import make_incident
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import DONE, RUNNING, Job
from warroom.engine.options import EngineOptions
from warroom.engine.registry import JobContext, register
from warroom.engine.worker import Worker
from warroom.notify import senders, service
from warroom.notify.models import FAILED, SENDING, SENT, Message
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

STARTED = threading.Event()
RELEASE = threading.Event()
RUNS: list[int] = []


def slow(ctx: JobContext, job: Job) -> None:
    RUNS.append(job.id)
    STARTED.set()
    RELEASE.wait(30)


register("test.slow_send", slow)


@pytest.fixture
def fake() -> Iterator[FakeSender]:
    sender = FakeSender()
    senders.set_sender(sender)
    yield sender
    senders.set_sender(None)


def job_row(db: Database, job_id: int) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def wait_for(condition: object, timeout: float = 20) -> bool:
    tick = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():  # type: ignore[operator]
            return True
        tick.wait(0.02)
    return False


def test_a_running_handler_keeps_its_lease_so_no_other_worker_repeats_it(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    STARTED.clear(), RELEASE.clear(), RUNS.clear()
    options = EngineOptions(lease_seconds=0.3, poll_seconds=0.2)
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "test.slow_send", {}).id
    worker = Worker(db, clock, settings, "slow-worker", options=options)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        assert STARTED.wait(20)
        clock.advance(seconds=30)  # far past the 0.3 s lease it was claimed with
        lease_ok = lambda: (job_row(db, job_id).lease_until or clock.now()) > clock.now()  # noqa: E731
        assert wait_for(lease_ok)  # the heartbeat pushed the lease forward
        other = Worker(db, clock, settings, "other", options=options)
        assert other.run_once(max_jobs=1, wait=False) == 0  # not taken over
        assert job_row(db, job_id).state == RUNNING
    finally:
        RELEASE.set()
        assert wait_for(lambda: job_row(db, job_id).state == DONE)
        worker.stop()
        thread.join(10)
    assert [job_id] == RUNS


def lose_the_worker(db: Database, clock: FakeClock, message_id: int) -> None:
    """A worker claims the delivery, marks the message sending, and dies."""
    with db.session() as session:
        claimed = engine.claim(session, clock, "dead", limit=10, lease=timedelta(seconds=60))
        assert claimed
        message = session.get(Message, message_id)
        assert message is not None
        message.state, message.attempts = SENDING, message.attempts + 1
    clock.advance(seconds=61)


def test_a_send_lost_with_its_worker_on_the_last_attempt_is_sent_again(
    db: Database, clock: FakeClock, settings: Settings, fake: FakeSender
) -> None:
    with db.session() as session:
        message_id = service.queue_message(
            session, clock, url="json://hooks.example.com/x", title="t", body="b",
            incident_id=None, user_id=None, idempotency_key="page:lost", purpose="page",
            max_attempts=1,
        ).id  # fmt: skip
    lose_the_worker(db, clock, message_id)
    Worker(db, clock, settings, "w2").run_once()
    with db.session() as session:
        assert session.get(Message, message_id).state == SENT  # type: ignore[union-attr]
    assert [m.idempotency_key for m in fake.sent] == ["page:lost"]


def test_a_message_whose_every_attempt_was_lost_is_failed_not_left_sending(
    db: Database, clock: FakeClock, settings: Settings, fake: FakeSender
) -> None:
    with db.session() as session:
        incident_id = make_incident(session, clock).id
        message_id = service.queue_message(
            session, clock, url="json://hooks.example.com/x", title="t", body="b",
            incident_id=incident_id, user_id=None, idempotency_key="page:lost2",
            purpose="page", max_attempts=1,
        ).id  # fmt: skip
    lose_the_worker(db, clock, message_id)  # the last attempt
    lose_the_worker(db, clock, message_id)  # and the spare
    Worker(db, clock, settings, "w3").run_once()
    with db.session() as session:
        message = session.get(Message, message_id)
        assert message is not None and message.state == FAILED
        assert "worker was lost" in (message.provider_answer or "")
        kinds = [e.kind for e in timeline.last_events(session, incident_id=incident_id)]
    assert "paging:notification:failed" in kinds
    assert fake.sent == []
