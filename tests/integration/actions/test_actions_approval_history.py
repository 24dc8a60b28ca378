"""The two-person rule follows the incident's severity history, also at execution time."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.actions.conftest import H, Kubectl, Open, request
from warroom.engine.worker import Worker


def _severity(client: TestClient, headers: H, number: int, severity: str) -> None:
    body = {"severity": severity, "reason": "x"}
    answer = client.post(f"/api/v1/incidents/{number}/severity", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def _state(client: TestClient, headers: H, run_id: int) -> str:
    return str(client.get(f"/api/v1/actions/runs/{run_id}", headers=headers).json()["state"])


def test_lowering_the_severity_does_not_dodge_approval(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, bob: H, open_incident: Open
) -> None:
    number = open_incident("SEV0")
    _severity(client, alice, number, "SEV2")
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    assert run["state"] == "awaiting_approval" and run["needs_approval"] is True
    _severity(client, alice, number, "SEV0")
    worker.run_once()
    assert kubectl.calls() == []
    approved = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=bob)
    assert approved.status_code == 200
    worker.run_once()
    assert kubectl.calls() == [["annotate", "market/EUR-USD", "paused=true", "--reason=incident"]]


def test_an_incident_never_at_an_approval_severity_runs_at_once(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident("SEV2")
    _severity(client, alice, number, "SEV1")
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    assert run["state"] == "queued" and run["needs_approval"] is False
    worker.run_once()
    assert _state(client, alice, run["id"]) == "succeeded"


def test_a_queued_run_waits_when_the_severity_is_raised_before_it_executes(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, bob: H, open_incident: Open
) -> None:
    number = open_incident("SEV2")
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    assert run["state"] == "queued"
    _severity(client, alice, number, "SEV0")
    worker.run_once()
    assert kubectl.calls() == []
    assert _state(client, alice, run["id"]) == "awaiting_approval"
    url = f"/api/v1/incidents/{number}/timeline?limit=500"
    kinds = [e["kind"] for e in client.get(url, headers=alice).json()["items"]]
    assert "action:run:held" in kinds
    own = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=alice)
    assert own.status_code == 403
    approved = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=bob)
    assert approved.status_code == 200, approved.text
    worker.run_once()
    assert kubectl.calls() == [["annotate", "market/EUR-USD", "paused=true", "--reason=incident"]]
    assert _state(client, alice, run["id"]) == "succeeded"
