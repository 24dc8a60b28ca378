"""Actions from the incident page: a run on a SEV1 incident waits for a second person, the
requester cannot approve it, another responder can; the engine runs it; a revert runs its undo."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from warroom.actions import service as actions
from warroom.incidents import service as incidents


def runs(world: World, number: int) -> list[tuple[str, str, str | None]]:
    """(action, state, approved_by) of the incident's runs, oldest first."""
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        found = reversed(actions.list_runs(session, incident.id))
        return [(r.action_key, r.state, r.approved_by) for r in found]


def run_row(page: str, run_id: int) -> str:
    found = re.search(rf'<tr id="run-{run_id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for run {run_id}"
    return html.unescape(found.group(1))


def test_request_approve_by_another_run_and_revert(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(severity="SEV1", services=["checkout"])
    alice = ui_login(client)
    bob_client = TestClient(client.app)
    bob = ui_login(bob_client)

    refused = post(client, number, "/actions", {"action": "pause-market", "param_market": "eu"})
    assert refused.status_code == 422 and "Not requested: market must match" in refused.text
    post(client, number, "/actions", {"action": "pause-market", "param_market": "EU"})
    assert runs(world, number) == [("pause-market", "awaiting_approval", None)]
    with world.db.session() as session:
        run_id = actions.list_runs(session)[0].id

    page = shown(client, number)
    assert "waiting for someone else to approve" in run_row(page, run_id)
    assert f"/actions/{run_id}/approve" not in page  # not offered to the requester...
    post(client, number, f"/actions/{run_id}/approve")  # ...and refused if sent anyway
    assert "two-person rule: the requester cannot approve their own run" in shown(client, number)
    assert runs(world, number)[0][1] == "awaiting_approval"

    assert f"/actions/{run_id}/approve" in bob_client.get(f"/ui/incidents/{number}").text
    post(bob_client, number, f"/actions/{run_id}/approve")
    assert runs(world, number) == [("pause-market", "queued", bob.email)]
    world.work()
    row = run_row(shown(client, number), run_id)
    assert "succeeded" in row and alice.email in row and bob.email in row and "exit 0" in row

    post(client, number, "/status/resolve")
    refusal = f"mitigations still active: run {run_id} pause-market; revert them or resolve"
    assert refusal in shown(client, number)
    assert world.incident(number).status == "triggered"

    post(bob_client, number, f"/actions/{run_id}/revert")
    assert runs(world, number)[1][:2] == ("unpause-market", "queued")
    world.work()
    assert [state for _, state, _ in runs(world, number)] == ["succeeded", "succeeded"]
    page = shown(client, number)
    assert "reverted" in run_row(page, run_id)
    assert f"/actions/{run_id}/revert" not in page
    post(bob_client, number, f"/actions/{run_id}/revert")
    assert f"run {run_id} is already reverted" in shown(bob_client, number)
    post(client, number, "/status/resolve")
    assert world.incident(number).status == "resolved"


def test_viewer_cannot_request(world: World, client: TestClient, ui_login: Login) -> None:
    number = world.open()
    ui_login(client, role="viewer")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token
    answer = client.post(
        f"/ui/incidents/{number}/actions",
        data={"csrf_token": token.group(1), "action": "pause-market", "param_market": "EU"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert runs(world, number) == []
