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
