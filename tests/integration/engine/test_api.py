"""HTTP: heartbeat pings, /metrics, engine and notification inspection."""

from __future__ import annotations

import sys

import pytest
from fastapi.testclient import TestClient

from warroom.clock import FakeClock
from warroom.config import service as config
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import FAILED, Job
from warroom.engine.registry import JobContext, PermanentFailure, handler, register_module
from warroom.engine.worker import Worker
from warroom.heartbeats import service as heartbeats
from warroom.metrics import ALERTS_RECEIVED
from warroom.notify import service as notify
from warroom.settings import Settings

Headers = dict[str, str]

CONFIG = """
severities:
  - key: SEV2
    name: Medium
heartbeats:
  - name: watchdog
    interval: 1m
    severity: SEV2
"""


@handler("test.api_fails")
def fails(ctx: JobContext, job: Job) -> None:
    raise PermanentFailure("always")


@pytest.fixture
def watchdog(db: Database, clock: FakeClock) -> None:
    doc, problems = config.load_files({"hb.yaml": CONFIG})
    assert not problems, problems.lines()
    with db.session() as session:
        config.apply_document(session, clock, doc, actor="test")


@pytest.mark.usefixtures("watchdog")
def test_ping_with_a_responder_token(
    client: TestClient, responder_headers: Headers, clock: FakeClock
) -> None:
    response = client.post("/api/v1/heartbeats/watchdog", headers=responder_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["last_seen_at"]) == (
        "up",
        clock.now().isoformat().replace("+00:00", "Z"),
    )


@pytest.mark.usefixtures("watchdog")
def test_ping_with_the_heartbeat_key_and_refusals(
    client: TestClient,
    admin_headers: Headers,
    viewer_headers: Headers,
    responder_headers: Headers,
) -> None:
    shown = client.get("/api/v1/heartbeats/watchdog", headers=admin_headers).json()
    key = shown["ping_url"].split("key=")[1]
    assert client.post(f"/api/v1/heartbeats/watchdog?key={key}").status_code == 200
    assert (
        client.post("/api/v1/heartbeats/watchdog", headers={"X-Warroom-Key": key}).status_code
        == 200
    )
    assert client.post("/api/v1/heartbeats/watchdog?key=wrong").status_code == 401
    assert client.post("/api/v1/heartbeats/watchdog").status_code == 401
    assert client.post("/api/v1/heartbeats/watchdog", headers=viewer_headers).status_code == 403
    missing = client.post("/api/v1/heartbeats/nope", headers=responder_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "name"
    viewer_view = client.get("/api/v1/heartbeats/watchdog", headers=viewer_headers).json()
    assert viewer_view["ping_url"] is None
    listed = client.get("/api/v1/heartbeats", headers=viewer_headers).json()
    assert [h["name"] for h in listed] == ["watchdog"]


def test_metrics_need_a_credential(
    client: TestClient, viewer_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/metrics", headers=viewer_headers).status_code == 200
    # The app's injected settings carry the static scrape token (WARROOM_METRICS_TOKEN).
    monkeypatch.setattr(client.app.state.settings, "metrics_token", "scrape-me")  # type: ignore[attr-defined]
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200


@pytest.mark.usefixtures("watchdog")
def test_metrics_show_lag_queue_deliveries_heartbeats_and_intake(
    client: TestClient, viewer_headers: Headers, db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        engine.enqueue(session, clock, "test.api_fails", {})
        notify.queue_message(
            session, clock, url="json://example.com/x", title="t", body="b", incident_id=None,
            user_id=None, idempotency_key="m1", purpose="page",
        )  # fmt: skip
        heartbeats.ping(session, clock, "watchdog")
    clock.advance(seconds=42)
    ALERTS_RECEIVED.labels(integration="alertmanager", status="accepted").inc()
    text = client.get("/metrics", headers=viewer_headers).text
    assert "warroom_engine_lag_seconds 42.0" in text
    assert 'warroom_jobs{kind="test.api_fails",state="pending"} 1.0' in text
    assert 'warroom_notifications{scheme="json",state="queued"} 1.0' in text
    assert 'warroom_heartbeat_status{name="watchdog"} 1.0' in text
    assert 'warroom_alerts_received_total{integration="alertmanager",status="accepted"}' in text


def test_engine_status_jobs_and_retry(
    client: TestClient,
    admin_headers: Headers,
    viewer_headers: Headers,
    db: Database,
    clock: FakeClock,
    settings: Settings,
) -> None:
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "test.api_fails", {"x": 1}).id
    Worker(db, clock, settings).run_once()
    status = client.get("/api/v1/engine/status", headers=viewer_headers).json()
    assert status["jobs"]["test.api_fails"] == {FAILED: 1}
    assert client.get("/api/v1/engine/jobs", headers=viewer_headers).status_code == 403
    failed = client.get("/api/v1/engine/jobs?state=failed", headers=admin_headers).json()
    assert [(j["id"], j["last_error"]) for j in failed] == [(job_id, "PermanentFailure: always")]
    bad = client.get("/api/v1/engine/jobs?state=weird", headers=admin_headers)
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "state")
    retried = client.post(f"/api/v1/engine/jobs/{job_id}/retry", headers=admin_headers).json()
    assert (retried["state"], retried["attempts"]) == ("pending", 0)
    again = client.post(f"/api/v1/engine/jobs/{job_id}/retry", headers=admin_headers)
    assert again.status_code == 422


def test_retrying_a_cancelled_job_whose_key_is_queued_again_says_so(
    client: TestClient, admin_headers: Headers, db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        first = engine.enqueue(session, clock, "test.api_fails", {}, dedup_key="check:db").id
        engine.cancel(session, dedup_key="check:db", clock=clock)
        second = engine.enqueue(session, clock, "test.api_fails", {}, dedup_key="check:db").id
    answer = client.post(f"/api/v1/engine/jobs/{first}/retry", headers=admin_headers)
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["field"] == "job_id"
    assert f"job {second}" in error["message"] and "check:db" in error["message"]
    with db.session() as session:
        assert session.get(Job, first).state == "cancelled"  # type: ignore[union-attr]


def test_notifications_are_listed_with_redacted_urls(
    client: TestClient, viewer_headers: Headers, db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        notify.queue_message(
            session, clock, url="json://bob:hunter2@example.com/x", title="t", body="b",
            incident_id=5, user_id=None, idempotency_key="k", purpose="page",
        )  # fmt: skip
    listed = client.get("/api/v1/notifications?incident_id=5", headers=viewer_headers).json()
    assert [(m["state"], m["purpose"]) for m in listed] == [("queued", "page")]
    assert "hunter2" not in str(listed)
    one = client.get(f"/api/v1/notifications/{listed[0]['id']}", headers=viewer_headers)
    assert one.status_code == 200
    assert client.get("/api/v1/notifications/999", headers=viewer_headers).status_code == 404


# The test handlers above, registered as the composition root registers domain modules.
register_module(sys.modules[__name__])
