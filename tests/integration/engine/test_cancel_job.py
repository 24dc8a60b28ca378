"""An admin cancels a job that should never run (a stuck export, a retry loop): pending or
failed jobs are cancelled, a running one is a 409 naming its state, and what the job worked
on is ended with it (a queued page does not stay `queued`), on the timeline, with the actor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_incident
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.engine.worker import Worker
from warroom.notify import service as notify
from warroom.notify.models import FAILED, Message
from warroom.settings import Settings

Headers = dict[str, str]


@handler("test.cancel_me")
def never_runs(ctx: JobContext, job: Job) -> None:
    raise AssertionError("a cancelled job ran")


def _cancel(client: TestClient, headers: Headers, job_id: int) -> Any:
    return client.post(f"/api/v1/engine/jobs/{job_id}/cancel", headers=headers)


def _job(db: Database, job_id: int) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_pending_job_is_cancelled_by_an_admin_and_never_runs(
    client: TestClient,
    admin_headers: Headers,
    responder_headers: Headers,
    db: Database,
    clock: FakeClock,
    settings: Settings,
) -> None:
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "test.cancel_me", {}).id
    assert _cancel(client, responder_headers, job_id).status_code == 403
    answer = _cancel(client, admin_headers, job_id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "cancelled"
    assert "cancelled by admin@example.com" in answer.json()["last_error"]
    assert Worker(db, clock, settings, "w").run_once() == 0
    again = _cancel(client, admin_headers, job_id)
    assert (again.status_code, again.json()["error"]["field"]) == (409, "state")
    assert "cancelled" in again.json()["error"]["message"]
    missing = _cancel(client, admin_headers, 999999)
    assert missing.status_code == 404


def test_a_running_job_is_not_cancelled_and_the_answer_names_its_state(
    client: TestClient, admin_headers: Headers, db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "test.cancel_me", {}).id
        engine.claim(session, clock, "busy-worker", lease=timedelta(seconds=60))
    answer = _cancel(client, admin_headers, job_id)
    assert answer.status_code == 409, answer.text
    message = answer.json()["error"]["message"]
    assert "running" in message and "busy-worker" in message
    assert _job(db, job_id).state == "running"


def test_cancelling_a_page_fails_its_message_on_the_timeline_with_the_actor(
    client: TestClient, admin_headers: Headers, db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        incident = make_incident(session, clock)
        message = notify.queue_message(
            session, clock, url="json://hooks.example.com/x", title="t", body="b",
            incident_id=incident.id, user_id=None, idempotency_key="page:cancel", purpose="page",
        )  # fmt: skip
        message_id, incident_id = message.id, incident.id
        job_id = session.query(Job).filter_by(kind="notify.deliver").one().id
    answer = _cancel(client, admin_headers, job_id)
    assert answer.status_code == 200, answer.text
    with db.session() as session:
        sent = session.get(Message, message_id)
        assert sent is not None and sent.state == FAILED
        assert "cancelled by admin@example.com" in (sent.provider_answer or "")
        events, _ = timeline.timeline_rows(session, incident_id=incident_id, limit=500)
        failed = [e for e in events if e.kind == "paging:notification:failed"]
        assert [e.actor for e in failed] == ["admin@example.com"]


def test_jobs_cancel_on_the_command_line(
    cli: Any, db: Database, clock: FakeClock, settings: Settings
) -> None:
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "test.cancel_me", {}).id
    done = cli("jobs", "cancel", str(job_id))
    assert done.exit_code == 0, done.output
    assert f"job {job_id} (test.cancel_me) cancelled" in done.output
    assert _job(db, job_id).state == "cancelled"
    again = cli("jobs", "cancel", str(job_id))
    assert again.exit_code == 1
    assert "field: state" in again.output
