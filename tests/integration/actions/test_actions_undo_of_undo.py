"""An undo run (a revert) cannot itself be reverted, on both databases: that re-applied the
mitigation as a run that is not an active mitigation (so nothing held the resolve), and on a
resolved incident too. To apply the mitigation again, request the action again."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.actions.conftest import H, Kubectl, Open, request
from warroom.engine.worker import Worker


def _state(client: TestClient, headers: H, run_id: int) -> str:
    return str(client.get(f"/api/v1/actions/runs/{run_id}", headers=headers).json()["state"])


def test_an_undo_run_cannot_be_reverted(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    worker.run_once()
    undo = client.post(f"/api/v1/actions/runs/{run['id']}/revert", headers=alice).json()
    worker.run_once()
    assert _state(client, alice, undo["id"]) == "succeeded"
    again = client.post(f"/api/v1/actions/runs/{undo['id']}/revert", headers=alice)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["field"] == "run"
    assert "is the undo of run" in again.json()["error"]["message"]
    worker.run_once()
    assert len(kubectl.calls()) == 2  # the pause and its undo; the market is not paused again
    kinds = [
        e["kind"]
        for e in client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=alice).json()[
            "items"
        ]
    ]
    assert kinds.count("action:run:requested") == 2
