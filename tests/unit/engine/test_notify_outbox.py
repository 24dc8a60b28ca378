"""The notification outbox with the in-memory sender: states, retries, idempotency, timeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import make_incident
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.models import FAILED as JOB_FAILED
from warroom.engine.models import Job
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.errors import Invalid
from warroom.notify import senders, service
from warroom.notify.models import FAILED, QUEUED, SENT, Message
from warroom.notify.senders import FakeSender, Outgoing, SendResult
from warroom.settings import Settings

GOOD = "json://hooks.example.com/good"
BAD = "json://hooks.example.com/bad"
OPTIONS = EngineOptions(backoff_base_seconds=10, backoff_max_seconds=60)


@pytest.fixture
def fake() -> Iterator[FakeSender]:
    sender = FakeSender()
    senders.set_sender(sender)
    yield sender
    senders.set_sender(None)


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "w1", options=OPTIONS)


def queue(db: Database, clock: FakeClock, **fields: Any) -> int:
    fields.setdefault("url", GOOD)
    fields.setdefault("title", "[SEV1] checkout down")
    fields.setdefault("body", "Ack: https://warroom.example.com/l/abc")
    fields.setdefault("incident_id", None)
    fields.setdefault("user_id", None)
    fields.setdefault("purpose", "page")
    with db.session() as session:
        return service.queue_message(session, clock, **fields).id


def message(db: Database, message_id: int) -> Message:
    with db.session() as session:
        return service.get_message(session, message_id)


def test_queued_then_sent_with_the_providers_answer(
    db: Database, clock: FakeClock, worker: Worker, fake: FakeSender
) -> None:
    msg_id = queue(db, clock, idempotency_key="page:1")
    assert message(db, msg_id).state == QUEUED
    assert fake.sent == []  # nothing leaves before the worker runs
    worker.run_once()
    msg = message(db, msg_id)
    assert (msg.state, msg.attempts, msg.provider_answer) == (SENT, 1, "fake: accepted")
    assert msg.sent_at == clock.now()
    assert [(m.url, m.idempotency_key, m.title) for m in fake.sent] == [
        (GOOD, "page:1", "[SEV1] checkout down")
    ]


def test_same_idempotency_key_queues_one_message(
    db: Database, clock: FakeClock, worker: Worker, fake: FakeSender
) -> None:
    first = queue(db, clock, idempotency_key="page:7:alice")
    assert queue(db, clock, idempotency_key="page:7:alice", body="again") == first
    worker.run_once()
    assert queue(db, clock, idempotency_key="page:7:alice") == first  # even after it was sent
    worker.run_once()
    assert len(fake.sent) == 1


def test_failing_contact_retries_then_fails_without_blocking_the_next(
    db: Database, clock: FakeClock, worker: Worker, fake: FakeSender
) -> None:
    fake.failing.add(BAD)
    bad = queue(db, clock, url=BAD, idempotency_key="rule:1", max_attempts=3)
    good = queue(db, clock, url=GOOD, idempotency_key="rule:2")
    worker.run_once()
    assert message(db, good).state == SENT
    assert (message(db, bad).state, message(db, bad).attempts) == (QUEUED, 1)
    assert message(db, bad).provider_answer == "fake: unavailable"
    for _ in range(4):
        clock.advance(minutes=2)
        worker.run_once()
    msg = message(db, bad)
    assert (msg.state, msg.attempts) == (FAILED, 3)
    with db.session() as session:
        job = session.get(Job, msg.job_id)
        assert job is not None and job.state == JOB_FAILED
    assert len(fake.attempts) == 4  # 3 to the bad URL, 1 to the good one


def test_a_rejected_message_is_not_retried(
    db: Database, clock: FakeClock, worker: Worker, fake: FakeSender
) -> None:
    fake.permanent.add(BAD)
    bad = queue(db, clock, url=BAD, idempotency_key="x")
    worker.run_once()
    clock.advance(hours=1)
    worker.run_once()
    assert (message(db, bad).state, message(db, bad).attempts) == (FAILED, 1)


def test_delivery_lands_on_the_incident_timeline(
    db: Database, clock: FakeClock, worker: Worker, fake: FakeSender
) -> None:
    fake.permanent.add(BAD)
    with db.session() as session:
        incident_id = make_incident(session, clock).id
    sent = queue(
        db, clock, url="json://user:hunter2@hooks.example.com/x", idempotency_key="a",
        incident_id=incident_id,
    )  # fmt: skip
    queue(db, clock, url=BAD, idempotency_key="b", incident_id=incident_id)
    worker.run_once()
    with db.session() as session:
        events = timeline.last_events(session, incident_id=incident_id, count=10)
        by_kind = {e.kind: e for e in events}
    assert by_kind["paging:notification:sent"].payload["message_id"] == sent
    assert by_kind["paging:notification:sent"].actor == "engine"
    assert "hunter2" not in str(by_kind["paging:notification:sent"].payload)
    assert by_kind["paging:notification:failed"].payload["answer"] == "fake: rejected"
    worker.run_once()  # nothing is recorded twice
    with db.session() as session:
        kinds = [e.kind for e in timeline.last_events(session, incident_id=incident_id, count=10)]
    assert kinds.count("paging:notification:sent") == 1


class CrashAfterSending(FakeSender):
    """Delivers, then loses the answer (the process dies, the connection drops)."""

    def send(self, message: Outgoing) -> SendResult:
        super().send(message)
        if len(self.sent) == 1:
            raise ConnectionResetError("lost the provider's answer")
        return SendResult(True, "fake: accepted")


def test_a_lost_answer_sends_again_never_zero_times(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    crashing = CrashAfterSending()
    senders.set_sender(crashing)
    try:
        msg_id = queue(db, clock, idempotency_key="page:9")
        worker.run_once()
        # A sender that raises is a failed attempt (78ed02a): queued again, after back-off.
        assert message(db, msg_id).state == QUEUED
        clock.advance(minutes=1)
        worker.run_once()
    finally:
        senders.set_sender(None)
    assert message(db, msg_id).state == SENT
    assert [m.idempotency_key for m in crashing.sent] == ["page:9", "page:9"]


def test_bad_url_is_refused_and_nothing_is_written(db: Database, clock: FakeClock) -> None:
    for url in ("not a url", "nosuchscheme://x", ""):
        with pytest.raises(Invalid) as err:
            queue(db, clock, url=url, idempotency_key=f"k-{url}")
        assert err.value.field == "url"
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_rolled_back_message_is_never_sent(
    db: Database, clock: FakeClock, worker: Worker, fake: FakeSender
) -> None:
    session = db.sessions()
    service.queue_message(
        session, clock, url=GOOD, title="t", body="b", incident_id=None, user_id=None,
        idempotency_key="gone", purpose="page",
    )  # fmt: skip
    session.rollback()
    session.close()
    assert worker.run_once() == 0
    assert fake.attempts == []


def test_redaction_and_idempotency_header() -> None:
    assert "hunter2" not in senders.redact("json://bob:hunter2@example.com/hook")
    assert senders.redact("https://hooks.example.com/secret/path?token=x") == (
        "https://hooks.example.com/…"
    )
    assert (
        senders.with_idempotency_header("json://h/x", "a b") == "json://h/x?+Idempotency-Key=a%20b"
    )
    assert (
        senders.with_idempotency_header("form://h/x?a=1", "k")
        == "form://h/x?a=1&+Idempotency-Key=k"
    )
    assert senders.with_idempotency_header("ntfy://topic", "k") == "ntfy://topic"


def test_messages_are_listed_newest_first(db: Database, clock: FakeClock) -> None:
    first = queue(db, clock, idempotency_key="1", incident_id=3)
    second = queue(db, clock, idempotency_key="2", incident_id=3)
    queue(db, clock, idempotency_key="3", incident_id=4)
    with db.session() as session:
        listed = service.list_messages(session, incident_id=3)
        assert [m.id for m in listed] == [second, first]
        assert service.counts_by_state(session) == {("json", QUEUED): 3}
