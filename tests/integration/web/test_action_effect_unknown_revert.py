"""The incident page shows a run that timed out or was interrupted as 'effect unknown' and
offers 'Revert #N anyway', which requests its undo with force (actions.revert). Before, the
page showed only its state and offered nothing: the revert could not be asked for."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from tests.integration.web.test_incident_forms_actions import run_row
from warroom.actions.models import ActionRun


def test_a_timed_out_run_can_be_reverted_anyway(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(severity="SEV2", services=["checkout"])
    ui_login(client)
    post(client, number, "/actions", {"action": "pause-market", "param_market": "EU"})
    world.work()
    with world.db.session() as session:  # killed at its timeout: did it pause EU or not?
        session.execute(update(ActionRun).where(ActionRun.id == 1).values(state="timed_out"))
        session.commit()
    page = shown(client, number)
    assert "effect unknown: it may have taken effect" in run_row(page, 1)
    assert "Revert #1 anyway" in run_row(page, 1)

    post(client, number, "/actions/1/revert", {"force": "on"})
    page = shown(client, number)
    assert "revert of run 1 requested as run 2" in page
    world.work()
    row = run_row(shown(client, number), 1)
    assert "reverted" in row and "effect unknown" not in row and "anyway" not in row
