"""Runs on a resolved incident, on both databases.

A mitigation must not run on an incident that is already resolved, whichever way the run got
there: approved after the resolve, or queued before it and reached by the engine after. Undo
runs still run: reverting what a forced resolve left active is how it is cleaned up."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.actions.conftest import H, Kubectl, Open, request
from warroom.engine.worker import Worker


def _resolve(client: TestClient, headers: H, number: int) -> None:
    answer = client.post(f"/api/v1/incidents/{number}/resolve", json={}, headers=headers)
    assert answer.status_code == 200, answer.text


def _state(client: TestClient, headers: H, run_id: int) -> str:
    return str(client.get(f"/api/v1/actions/runs/{run_id}", headers=headers).json()["state"])


def test_an_approval_after_the_resolve_is_refused_and_nothing_runs(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, bob: H, open_incident: Open
) -> None:
    number = open_incident("SEV0")
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    assert run["state"] == "awaiting_approval"
    _resolve(client, alice, number)
    approved = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=bob)
    assert approved.status_code == 409, approved.text
    assert approved.json()["error"] == {
        "code": "conflict",
        "message": f"INC-{number} is resolved",
        "field": "incident",
    }
    worker.run_once()
    assert kubectl.calls() == []
    assert _state(client, alice, run["id"]) == "awaiting_approval"
    active = client.get(f"/api/v1/incidents/{number}/actions?active=true", headers=alice)
    assert active.json() == []


def test_a_run_queued_before_the_resolve_is_refused_by_the_engine(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    assert run["state"] == "queued"
    _resolve(client, alice, number)  # nothing has succeeded yet: the resolve is not held
    worker.run_once()
    assert kubectl.calls() == []
    answer = client.get(f"/api/v1/actions/runs/{run['id']}", headers=alice).json()
    assert answer["state"] == "refused"
    assert answer["error"] == f"INC-{number} is resolved"


def test_an_undo_run_of_a_resolved_incident_still_runs(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    worker.run_once()
    forced = client.post(f"/api/v1/incidents/{number}/resolve", json={"force": True}, headers=alice)
    assert forced.status_code == 200, forced.text
    undo = client.post(f"/api/v1/actions/runs/{run['id']}/revert", headers=alice)
    assert undo.status_code == 202, undo.text
    worker.run_once()
    assert kubectl.calls()[-1] == ["annotate", "market/EUR-USD", "paused=false"]
    assert _state(client, alice, undo.json()["id"]) == "succeeded"
