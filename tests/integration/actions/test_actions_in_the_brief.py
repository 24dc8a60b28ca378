"""The incident brief tells a person joining which mitigations are in force.

Its "Actions and mitigations" section listed only done tasks: on a real warroom serve
(examples/oracle) INC-3's brief said "None done yet." while run 8 switch-rpc had moved the
submitter to the backup RPC endpoint and was an active mitigation holding the resolve. The
section now lists the active mitigations (with their undo command), the irreversible runs done
and the runs on their way (awaiting approval, queued, running), parameters masked as the API
shows them; dry runs, reverted and failed runs are left to the timeline."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.actions.conftest import H, Kubectl, Open, request
from warroom.actions.models import ActionRun
from warroom.db import Database
from warroom.engine.worker import Worker


def section(client: TestClient, headers: H, number: int) -> list[str]:
    answer = client.get(f"/api/v1/incidents/{number}/brief", headers=headers)
    assert answer.status_code == 200, answer.text
    text = answer.text.split("## Actions and mitigations\n", 1)[1].split("\n\n", 1)[0]
    return text.splitlines()


def test_the_brief_lists_the_mitigations_in_force_and_on_their_way(
    client: TestClient, worker: Worker, kubectl: Kubectl, open_incident: Open, alice: H, bob: H
) -> None:
    number = open_incident("SEV2")
    assert section(client, alice, number) == ["_None done yet._"]
    assert request(client, alice, number, "pause-market", market="ETH-USD").status_code == 202
    assert request(client, alice, number, "annotate", text="paused ETH").status_code == 202
    dry = request(client, alice, number, "pause-market", dry_run=True, market="SOL-USD")
    assert dry.status_code == 202
    worker.run_once()
    raised = client.post(
        f"/api/v1/incidents/{number}/severity",
        json={"severity": "SEV0", "reason": "worse"},
        headers=alice,
    )
    assert raised.status_code == 200, raised.text
    held = request(client, bob, number, "pause-market", market="BTC-USD")
    assert held.json()["state"] == "awaiting_approval"
    assert section(client, alice, number) == [
        "- active: Pause a market (run 1 pause-market market=ETH-USD reason=incident) by "
        "alice@example.com; undo: warroom action revert 1",
        "- done, no undo: Free-text annotation (run 2 annotate text=paused ETH) by "
        "alice@example.com",
        "- awaiting approval: Pause a market (run 4 pause-market market=BTC-USD "
        "reason=incident) requested by bob@example.com",
    ]
    reverted = client.post("/api/v1/actions/runs/1/revert", headers=bob)
    assert reverted.status_code == 202, reverted.text
    assert "- queued: Unpause a market (run 5 unpause-market market=ETH-USD) requested by " \
        "bob@example.com" in section(client, alice, number)  # fmt: skip
    worker.run_once()
    lines = section(client, alice, number)
    assert not [line for line in lines if "active:" in line or "ETH-USD" in line], lines


def test_the_brief_names_a_run_whose_effect_is_unknown(
    client: TestClient,
    worker: Worker,
    kubectl: Kubectl,
    open_incident: Open,
    alice: H,
    db: Database,
) -> None:
    """A reversible run that timed out may have paused the market: a person joining must
    learn of it and of its forced undo (it is no active mitigation)."""
    number = open_incident("SEV2")
    run_id = request(client, alice, number, "pause-market", market="EUR-USD").json()["id"]
    worker.run_once()
    with db.session() as session:  # as the runner leaves it when killed at its timeout
        session.execute(update(ActionRun).where(ActionRun.id == run_id).values(state="timed_out"))
        session.commit()
    assert section(client, alice, number) == [
        f"- effect unknown (timed out): Pause a market (run {run_id} pause-market "
        "market=EUR-USD reason=incident) by alice@example.com; it may have taken effect; "
        f"undo: warroom action revert {run_id} --force",
    ]
