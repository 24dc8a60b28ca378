"""A page's Resolve link is a person resolving: held while mitigations are still active, as
the API, the CLI and the web form are, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.actions.conftest import H, Kubectl, Open, request
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.paging import links
from warroom.settings import Settings


def _resolve_link(db: Database, clock: FakeClock, settings: Settings, number: int) -> str:
    """The path of the Resolve link a page to alice would carry."""
    with db.session() as session:
        user = auth_service.get_user_by_email(session, "alice@example.com")
        assert user is not None
        user_id = user.id
    token = links.make_token(
        settings.secret_key,
        purpose="resolve",
        incident_number=number,
        user_id=user_id,
        now=clock.now(),
    )
    return f"/p/{token}"


def test_a_resolve_link_is_held_while_a_mitigation_is_active_and_works_once_reverted(
    db: Database,
    client: TestClient,
    alice: H,
    open_incident: Open,
    worker: Worker,
    kubectl: Kubectl,
    clock: FakeClock,
    settings: Settings,
) -> None:
    number = open_incident()
    run = request(client, alice, number, "pause-market", market="BTC-USD")
    assert run.status_code == 202, run.text
    while worker.run_once():
        pass
    link = _resolve_link(db, clock, settings, number)

    held = client.post(link)
    assert held.status_code == 409
    assert "mitigations still active" in held.text and "pause-market" in held.text
    assert f'href="/ui/incidents/{number}"' in held.text
    with db.session() as session:
        assert incidents.get_incident(session, number).status == "triggered"

    reverted = client.post(f"/api/v1/actions/runs/{run.json()['id']}/revert", headers=alice)
    assert reverted.status_code == 202, reverted.text
    while worker.run_once():
        pass
    done = client.post(link)  # the refused tap did not use the link up
    assert done.status_code == 200, done.text
    with db.session() as session:
        assert incidents.get_incident(session, number).status == "resolved"
