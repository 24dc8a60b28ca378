"""An action item of a private incident is owned by someone who may read it (a member or an
admin): anyone else could neither see nor close the item they own (it is shown only to members
and admins), so giving it to them is refused with 422 naming `owner`, nothing written, on
create and on a change of owner; through the API and the CLI, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.review.action_items.conftest import add
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.action_items.models import ActionItem


def test_a_private_incidents_item_goes_only_to_who_may_read_it(
    client: TestClient,
    admin_headers: dict[str, str],
    db: Database,
    clock: FakeClock,
    cli: Callable[..., Any],
    applied: Callable[[str], Any],
) -> None:
    applied("")
    with db.session() as session:
        private = incidents.open_incident(
            session, clock, actor="ana@corp.test", title="Leaked keys", severity="P1",
            services=["api"], private=True,
        ).number  # fmt: skip
    path = f"/api/v1/incidents/{private}/action-items"
    body = {"title": "Rotate keys", "owner": "bo@corp.test", "impact": "high", "effort": "low"}
    refused = client.post(path, json=body, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["field"] == "owner"
    assert f"INC-{private} is private" in error["message"] and "bo@corp.test" in error["message"]
    assert "give them a role on the incident" in error["message"]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ActionItem)) == 0

    by_cli = cli("action-item", "add", f"INC-{private}", "--title", "Rotate keys",
                 "--owner", "bo@corp.test", "--impact", "high", "--effort", "low")  # fmt: skip
    assert by_cli.exit_code != 0 and "is private" in by_cli.output, by_cli.output

    item = add(client, admin_headers, private, title="Rotate keys")  # ana opened it: a member
    moved = client.patch(
        f"/api/v1/action-items/{item['id']}", json={"owner": "cy@corp.test"}, headers=admin_headers
    )
    assert moved.status_code == 422 and moved.json()["error"]["field"] == "owner", moved.text
    shown = client.get(f"/api/v1/action-items/{item['id']}", headers=admin_headers).json()
    assert shown["owner"] == "ana@corp.test"

    with db.session() as session:  # a role on the incident makes cy a member: then it is hers
        incident = incidents.get_incident(session, private)
        incidents.assign_role(
            session, clock, incident, role="scribe", user_email="cy@corp.test", actor="test"
        )
    moved = client.patch(
        f"/api/v1/action-items/{item['id']}", json={"owner": "cy@corp.test"}, headers=admin_headers
    )
    assert moved.status_code == 200 and moved.json()["owner"] == "cy@corp.test", moved.text
