"""The incident page offers Revert only where the revert can be requested.

With mutual undos (examples/oracle: pause-market is undone by unpause-market and the other way
round), the undo run of a revert showed a red "Revert #N" button, and so did a run whose undo
was already queued or awaiting approval; each press only flashed a refusal ("run N is the undo
of run M; ...", "run N is already being reverted by run K"). The page now says "being reverted
by run #K" for the latter and offers nothing for an undo run (its action is requested again)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    ORG,
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from tests.integration.web.test_incident_forms_actions import run_row
from warroom.config import service as config_service

MUTUAL = ORG.replace(
    "    reversible: false\n",
    '    undo: {action: pause-market, params: {market: "{{ market }}"}}\n',
)


def test_revert_is_offered_only_where_it_can_be_requested(
    world: World, client: TestClient, ui_login: Login
) -> None:
    assert MUTUAL != ORG
    doc, problems = config_service.load_files({"org.yaml": MUTUAL})
    assert not problems, problems.lines()
    with world.db.session() as session:
        config_service.apply_document(session, world.clock, doc, actor="test")
    number = world.open(severity="SEV2", services=["checkout"])
    ui_login(client)
    post(client, number, "/actions", {"action": "pause-market", "param_market": "EU"})
    world.work()
    page = shown(client, number)
    assert "/actions/1/revert" in page

    post(client, number, "/actions/1/revert")
    page = shown(client, number)
    assert "revert of run 1 requested as run 2" in page
    assert "/actions/1/revert" not in page
    assert "being reverted by run #2" in run_row(page, 1)

    world.work()
    page = shown(client, number)
    assert "reverted" in run_row(page, 1) and "undo of #1" in run_row(page, 2)
    assert "/actions/1/revert" not in page
    assert "/actions/2/revert" not in page
    # The way to apply the mitigation again is to request its action again.
    post(client, number, "/actions", {"action": "pause-market", "param_market": "EU"})
    world.work()
    assert "/actions/3/revert" in shown(client, number)
