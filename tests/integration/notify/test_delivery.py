"""Delivery through the real Apprise (and httpx) to real local servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import make_incident
from tests.integration.notify.receivers import HttpReceiver, Mailbox, http_receiver, smtp_server
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.notify import senders, service
from warroom.notify.models import FAILED, QUEUED, SENT, Message
from warroom.settings import Settings


@pytest.fixture(autouse=True)
def real_sender() -> None:
    senders.set_sender(None)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as r:
        yield r


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    options = EngineOptions(backoff_base_seconds=10, backoff_max_seconds=60)
    return Worker(db, clock, settings, "w1", options=options)


def queue(db: Database, clock: FakeClock, url: str, key: str, **fields: Any) -> int:
    fields.setdefault("incident_id", None)
    with db.session() as session:
        return service.queue_message(
            session,
            clock,
            url=url,
            title=fields.pop("title", "[SEV1] INC-1: checkout down"),
            body=fields.pop("body", "Acknowledge: http://127.0.0.1/l/ack-token"),
            user_id=None,
            idempotency_key=key,
            purpose="page",
            **fields,
        ).id


def get(db: Database, message_id: int) -> Message:
    with db.session() as session:
        return service.get_message(session, message_id)


def test_apprise_json_webhook_arrives_with_idempotency_key(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    msg_id = queue(db, clock, f"json://{receiver.url}/hook", "page:1:alice")
    worker.run_once()
    [request] = receiver.to("/hook")
    assert request.headers["Idempotency-Key"] == "page:1:alice"
    document = json.loads(request.body)
    assert document["title"] == "[SEV1] INC-1: checkout down"
    assert "ack-token" in document["message"]
    msg = get(db, msg_id)
    assert (msg.state, msg.attempts) == (SENT, 1)
    assert "Sent JSON POST notification" in (msg.provider_answer or "")


def test_plain_https_webhook_gets_json_and_the_status_is_recorded(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    msg_id = queue(db, clock, f"http://{receiver.url}/plain", "page:2")
    worker.run_once()
    [request] = receiver.to("/plain")
    assert request.headers["Idempotency-Key"] == "page:2"
    assert json.loads(request.body)["idempotency_key"] == "page:2"
    msg = get(db, msg_id)
    assert msg.state == SENT
    assert (msg.provider_answer or "").startswith("HTTP 200 OK")


def test_email_arrives_at_a_real_smtp_server(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    with smtp_server() as box:
        url = f"mailto://127.0.0.1:{box.port}/alice@example.com?from=warroom@example.com"
        body = "Acknowledge: http://127.0.0.1/l/abc\nResolve: http://127.0.0.1/l/xyz"
        msg_id = queue(db, clock, url, "page:3", body=body)
        worker.run_once()
        _assert_one_mail(box)
    msg = get(db, msg_id)
    assert msg.state == SENT
    assert "Sent Email" in (msg.provider_answer or "")


def _assert_one_mail(box: Mailbox) -> None:
    [mail] = box.messages
    assert mail["To"] == "alice@example.com"
    assert mail["Subject"] == "[SEV1] INC-1: checkout down"
    text = mail.get_payload(decode=True) if not mail.is_multipart() else None
    body = (text.decode() if isinstance(text, bytes) else str(mail)).replace("\r\n", "\n")
    assert "http://127.0.0.1/l/xyz" in body
    if "Acknowledge:" in body:  # each link stays on its own line in the plain-text mail
        assert "Acknowledge: http://127.0.0.1/l/abc\nResolve: http://127.0.0.1/l/xyz" in body


def test_failing_url_retries_then_fails_and_the_next_message_still_goes(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    receiver.status["/broken"] = 503
    with db.session() as session:
        incident_id = make_incident(session, clock).id
    broken = queue(db, clock, f"json://{receiver.url}/broken", "rule:1", incident_id=incident_id,
                   max_attempts=3)  # fmt: skip
    fine = queue(db, clock, f"json://{receiver.url}/fine", "rule:2", incident_id=incident_id)
    worker.run_once()
    assert get(db, fine).state == SENT
    assert (get(db, broken).state, get(db, broken).attempts) == (QUEUED, 1)
    assert "503" in (get(db, broken).provider_answer or "")
    for _ in range(3):
        clock.advance(minutes=5)
        worker.run_once()
    assert (get(db, broken).state, get(db, broken).attempts) == (FAILED, 3)
    assert len(receiver.to("/broken")) == 3
    assert len(receiver.to("/fine")) == 1
    with db.session() as session:
        kinds = [e.kind for e in timeline.last_events(session, incident_id=incident_id, count=20)]
    assert kinds.count("paging:notification:sent") == 1
    assert kinds.count("paging:notification:failed") == 1


def test_a_4xx_from_a_plain_webhook_is_final(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    receiver.status["/gone"] = 410
    msg_id = queue(db, clock, f"https://{receiver.url}/gone".replace("https", "http"), "x")
    worker.run_once()
    msg = get(db, msg_id)
    assert (msg.state, msg.attempts) == (FAILED, 1)
    assert (msg.provider_answer or "").startswith("HTTP 410")


def test_unreachable_host_is_retried(db: Database, clock: FakeClock, worker: Worker) -> None:
    from tests.integration.notify.receivers import free_port

    msg_id = queue(db, clock, f"json://127.0.0.1:{free_port()}/nobody", "y")
    worker.run_once()
    msg = get(db, msg_id)
    assert (msg.state, msg.attempts) == (QUEUED, 1)
    assert "error" in (msg.provider_answer or "").lower()


def test_retrying_the_failed_delivery_job_sends_the_message_again(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    # `warroom jobs retry` (POST /engine/jobs/{id}/retry) on a failed delivery said "pending
    # again", then the job found its message failed and did nothing: nothing was sent.
    from sqlalchemy import select

    from warroom.engine import service as engine
    from warroom.engine.models import Job

    receiver.status["/gone"] = 410
    with db.session() as session:
        incident_id = make_incident(session, clock).id
    msg_id = queue(db, clock, f"http://{receiver.url}/gone", "page:9", incident_id=incident_id)
    worker.run_once()
    assert get(db, msg_id).state == FAILED
    receiver.status["/gone"] = 200  # the host is fixed; an admin retries the job
    with db.session() as session:
        job = session.scalars(select(Job).where(Job.kind == service.DELIVER_KIND)).one()
        assert job.state == "failed"
        engine.retry_job(session, clock, job.id)
    worker.run_once()
    msg = get(db, msg_id)
    assert (msg.state, msg.attempts) == (SENT, 1)
    assert len(receiver.to("/gone")) == 2
    with db.session() as session:
        kinds = [e.kind for e in timeline.last_events(session, incident_id=incident_id, count=20)]
    assert kinds.count("paging:notification:failed") == 1
    assert kinds.count("paging:notification:sent") == 1
