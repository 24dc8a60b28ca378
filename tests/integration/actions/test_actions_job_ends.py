"""An `actions.execute` job that ends without running its run (an admin cancels it) ends the
run too: it does not stay `queued` for good, and the timeline says who ended it and why."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.actions.conftest import H, Kubectl, Open, request
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.models import Job
from warroom.engine.worker import Worker


def test_cancelling_the_job_of_a_queued_run_fails_the_run_visibly(
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    admin_headers: H,
    open_incident: Open,
    db: Database,
    clock: FakeClock,
) -> None:
    number = open_incident()
    run = request(client, alice, number, "annotate", text="hello")
    assert run.status_code == 202, run.text
    run_id = run.json()["id"]
    with db.session() as session:
        job_id = session.query(Job).filter_by(kind="actions.execute").one().id
    answer = client.post(f"/api/v1/engine/jobs/{job_id}/cancel", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    worker.run_once()
    assert kubectl.calls() == []  # never run
    shown = client.get(f"/api/v1/actions/runs/{run_id}", headers=alice).json()
    assert shown["state"] == "failed"
    assert "cancelled by admin@example.com" in (shown["error"] or "")
    events = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=alice).json()
    failed = [e for e in events["items"] if e["kind"] == "action:run:failed"]
    assert [e["actor"] for e in failed] == ["admin@example.com"]


def test_retrying_the_job_of_an_ended_run_is_refused_not_answered_pending(
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    admin_headers: H,
    open_incident: Open,
    db: Database,
) -> None:
    number = open_incident()
    run_id = request(client, alice, number, "annotate", text="hello").json()["id"]
    with db.session() as session:
        job_id = session.query(Job).filter_by(kind="actions.execute").one().id
    cancel = client.post(f"/api/v1/engine/jobs/{job_id}/cancel", headers=admin_headers)
    assert cancel.status_code == 200, cancel.text
    retry = client.post(f"/api/v1/engine/jobs/{job_id}/retry", headers=admin_headers)
    assert retry.status_code == 409, retry.text
    error = retry.json()["error"]
    assert error["field"] == "job_id"
    assert f"run {run_id}" in error["message"] and "failed" in error["message"]
    with db.session() as session:
        assert session.get(Job, job_id).state == "cancelled"  # type: ignore[union-attr]
    worker.run_once()
    assert kubectl.calls() == []


def test_cancelling_the_lapse_job_of_a_run_awaiting_approval_lapses_it_now(
    worker: Worker,
    client: TestClient,
    alice: H,
    bob: H,
    admin_headers: H,
    open_incident: Open,
    db: Database,
    clock: FakeClock,
) -> None:
    number = open_incident("SEV0")
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    assert run["state"] == "awaiting_approval"
    with db.session() as session:
        job_id = session.query(Job).filter_by(kind="actions.lapse").one().id
    answer = client.post(f"/api/v1/engine/jobs/{job_id}/cancel", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    clock.advance(hours=2)  # long past its approval window
    worker.run_once()
    shown = client.get(f"/api/v1/actions/runs/{run['id']}", headers=alice).json()
    assert shown["state"] == "lapsed"  # not awaiting approval for ever, counting against limits
    assert "cancelled by admin@example.com" in (shown["error"] or "")
    events = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=alice).json()
    lapsed = [e for e in events["items"] if e["kind"] == "action:run:lapsed"]
    assert [e["actor"] for e in lapsed] == ["admin@example.com"]
