"""The incident page flags a task's assignee or a hypothesis' owner who can no longer do the
work (made a viewer, deactivated, taken off a private incident's roles), as the API's
assignee_cannot_work / owner_cannot_work do, and offers to hand the work on."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.integration.web.conftest import MakeUser
from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from warroom.auth import service as auth_service
from warroom.incidents import service as incidents


def _item(page: str, kind: str, item_id: int) -> str:
    """One task's or hypothesis' list item, tags stripped, spaces collapsed."""
    found = re.search(rf'<li [^>]*id="{kind}-{item_id}">(.*?)</li>', page, re.S)
    assert found, (kind, item_id)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_work_of_someone_who_can_no_longer_do_it_is_flagged_and_handed_on(
    world: World, client: TestClient, ui_login: Login, make_ui_user: MakeUser
) -> None:
    number = world.open(private=True)
    me = ui_login(client, "admin")
    bob = make_ui_user("responder", "bob@shop.test")
    cat = make_ui_user("responder", "cat@shop.test")
    for who in (bob, cat):
        role = {"role": "subject_matter_expert", "user_email": who.email}
        assert post(client, number, "/roles", role).status_code == 303
        post(client, number, "/tasks", {"text": f"Rotate keys {who.email}", "assignee": who.email})
        post(client, number, "/hypotheses", {"text": f"CI leak {who.email}", "owner": who.email})
    page = shown(client, number)
    assert "hand it on" not in page

    # Bob leaves the private incident's roles; Cat is made a viewer.
    release = {"role": "subject_matter_expert", "user_email": bob.email}
    assert post(client, number, "/roles/release", release).status_code == 303
    with world.db.session() as session:
        auth_service.get_user_by_email(session, cat.email).role = "viewer"
    page = shown(client, number)
    gone = f"INC-{number}"
    assert f"bob@shop.test (no longer a member of private {gone}: hand it on)" in _item(
        page, "task", 1
    )
    assert "cat@shop.test (now a viewer: hand it on)" in _item(page, "task", 2)
    assert f"bob@shop.test (no longer a member of private {gone}: hand it on)" in _item(
        page, "hypothesis", 1
    )
    assert "cat@shop.test (now a viewer: hand it on)" in _item(page, "hypothesis", 2)

    # Finished work is not flagged; handed-on work is no longer flagged.
    assert post(client, number, "/tasks/1", {"done": "1"}).status_code == 303
    assert post(client, number, "/hypotheses/1", {"status": "ruled_out"}).status_code == 303
    assert post(client, number, "/tasks/2/assignee", {"assignee": me.email}).status_code == 303
    assert post(client, number, "/hypotheses/2/owner", {"owner": ""}).status_code == 303
    page = shown(client, number)
    assert "hand it on" not in page
    assert "nobody owns it" in page
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        tasks = incidents.list_tasks(session, incident)
        hypotheses = incidents.list_hypotheses(session, incident)
        assert [t.assignee for t in tasks] == [bob.email, me.email]
        assert [h.owner for h in hypotheses] == [bob.email, None]

    # Handing it to someone who could not do it either is refused with why.
    assert post(client, number, "/tasks/2/assignee", {"assignee": cat.email}).status_code == 303
    assert "cat@shop.test is a viewer" in shown(client, number)
