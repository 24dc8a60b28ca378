"""A sent message stays sent whatever happens to its bookkeeping: its timeline event, its
message row and its job's completion commit together after the send, and when that cannot be
committed (the timeline write fails, another worker took the job over) the message is kept
sent on its own first, so that no later attempt sends it again. Real local receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from tests.factories import make_incident, seed_catalog
from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import DONE, RUNNING, Job
from warroom.engine.worker import Worker
from warroom.notify import delivery, senders, service
from warroom.notify.models import SENT, Message
from warroom.notify.service import DELIVER_KIND
from warroom.settings import Settings


@pytest.fixture(autouse=True)
def real_sender() -> None:
    senders.set_sender(None)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as r:
        yield r


def queue(db: Database, clock: FakeClock, receiver: HttpReceiver) -> tuple[int, int]:
    with db.session() as session:
        seed_catalog(session)
        incident = make_incident(session, clock)
        message = service.queue_message(
            session, clock, url=f"http://{receiver.url}/page", title="t", body="b",
            incident_id=incident.id, user_id=None, idempotency_key="page:1:0", purpose="page",
        )  # fmt: skip
        return message.id, incident.id


def outcome(db: Database, message_id: int, incident_id: int) -> tuple[Any, ...]:
    with db.session() as session:
        message = session.get(Message, message_id)
        assert message is not None
        events = timeline.last_events(session, incident_id=incident_id)
        sent = [e for e in events if e.kind == "paging:notification:sent"]
        return message.state, message.attempts, message.recorded, len(sent)


def test_a_timeline_write_that_fails_after_the_send_does_not_send_again(
    db: Database, clock: FakeClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real: Callable[[], Any] = delivery._audit_record
    calls: list[int] = []

    def failing_once() -> Any:
        calls.append(1)
        if len(calls) > 1:
            return real()

        def record(*_: Any, **__: Any) -> None:
            raise OperationalError("INSERT INTO timeline_events", {}, Exception("lock timeout"))

        return record

    monkeypatch.setattr(delivery, "_audit_record", failing_once)
    with http_receiver() as receiver:
        message_id, incident_id = queue(db, clock, receiver)
        worker = Worker(db, clock, settings, "w1")
        worker.run_once()
        clock.advance(minutes=10)  # a retry after its back-off, if the attempt failed
        worker.run_once()
        assert receiver.keys() == ["page:1:0"]  # once
    assert outcome(db, message_id, incident_id) == (SENT, 1, True, 1)
    with db.session() as session:
        assert session.scalars(select(Job.state).where(Job.kind == DELIVER_KIND)).all() == [DONE]


def test_a_job_taken_over_during_the_send_leaves_its_message_sent(
    db: Database, clock: FakeClock, settings: Settings, receiver: HttpReceiver
) -> None:
    message_id, incident_id = queue(db, clock, receiver)
    with db.session() as session:
        (job,) = engine.claim(
            session, clock, "w1", limit=1, lease=timedelta(minutes=1), kinds=[DELIVER_KIND]
        )
    with db.session() as session:  # its lease ran out and another worker holds it now
        session.execute(update(Job).where(Job.id == job.id).values(locked_by="w2"))
    Worker(db, clock, settings, "w1").run_job(job)
    assert receiver.keys() == ["page:1:0"]
    state, attempts, _, _ = outcome(db, message_id, incident_id)
    assert (state, attempts) == (SENT, 1)  # w2's attempt finds it sent: nothing sent again
    with db.session() as session:
        held = session.get(Job, job.id)
        assert held is not None and (held.state, held.locked_by) == (RUNNING, "w2")
