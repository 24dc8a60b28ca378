"""A run that timed out or was interrupted (its worker died) may have taken effect: it is shown
on the incident as 'Effect unknown', and its undo can be requested explicitly with force
(`warroom action revert N --force`, API body {"force": true}); without force the revert is a
409 naming force that says how. The undo run's request records `forced_over: STATE`.
Before, revert answered 'only a succeeded run can be reverted' and nothing showed the run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.actions.conftest import H, Kubectl, Open, request
from warroom.actions.models import ActionRun
from warroom.db import Database
from warroom.engine.worker import Worker


@pytest.mark.parametrize("state", ["timed_out", "interrupted"])
def test_a_run_whose_effect_is_unknown_can_be_reverted_with_force(
    state: str,
    db: Database,
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    open_incident: Open,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    number = open_incident()
    run_id = request(client, alice, number, "pause-market", market="EUR-USD").json()["id"]
    worker.run_once()
    with db.session() as session:  # as the runner leaves it: killed at its timeout, or lost
        session.execute(update(ActionRun).where(ActionRun.id == run_id).values(state=state))
        session.commit()
    base = f"/api/v1/incidents/{number}/actions"

    refused = client.post(f"/api/v1/actions/runs/{run_id}/revert", headers=alice)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["field"] == "force"
    assert f"warroom action revert {run_id} --force" in refused.json()["error"]["message"]
    unknown = client.get(base, params={"effect_unknown": "true"}, headers=alice).json()
    assert [r["id"] for r in unknown] == [run_id]
    shown = cli("incident", "show", str(number))
    assert shown.exit_code == 0, shown.output
    assert "Effect unknown (1; may have taken effect)" in shown.output
    words = state.replace("_", " ")
    assert f"(undo: {words}; warroom action revert {run_id} --force)" in shown.output

    forced = cli("action", "revert", str(run_id), "--force")
    assert forced.exit_code == 0, forced.output
    events = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=alice).json()
    asked = [e for e in events["items"] if e["kind"] == "action:run:requested"]
    assert asked[-1]["payload"]["undo_of"] == run_id
    assert asked[-1]["payload"]["forced_over"] == state
    worker.run_once()
    assert kubectl.calls()[-1] == ["annotate", "market/EUR-USD", "paused=false"]
    assert client.get(base, params={"effect_unknown": "true"}, headers=alice).json() == []
    run = client.get(f"/api/v1/actions/runs/{run_id}", headers=alice).json()
    assert run["reverted_at"] is not None
    again = client.post(
        f"/api/v1/actions/runs/{run_id}/revert", json={"force": True}, headers=alice
    )
    assert again.status_code == 409 and "already reverted" in again.json()["error"]["message"]


def test_force_does_not_revert_a_dry_run(
    db: Database, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    dry = request(client, alice, number, "pause-market", dry_run=True, market="EUR-USD").json()
    worker.run_once()
    answer = client.post(
        f"/api/v1/actions/runs/{dry['id']}/revert", json={"force": True}, headers=alice
    )
    assert answer.status_code == 409 and "a dry run" in answer.json()["error"]["message"]
