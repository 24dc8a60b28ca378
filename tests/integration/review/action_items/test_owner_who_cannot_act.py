"""An item whose owner can no longer act on it (deactivated: left, or removed from the config;
or made a viewer) says so where people look: `warroom action-item list/show` name the owner
with '(deactivated: give it a new owner)', the API with `owner_cannot_act`. They named the
owner as if all was well, so the item sat with nobody. Through the real CLI and the API, on
both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver
from tests.integration.review.action_items.conftest import add, apply
from tests.integration.review.action_items.test_deactivated_owner import _without_ana
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database


def test_a_deactivated_owner_is_flagged(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    receiver: HttpReceiver,
    cli: Callable[..., Any],
) -> None:
    ana = add(client, admin_headers, number)
    bo = add(client, admin_headers, number, owner="bo@corp.test", title="Rewrite the consumer")
    assert ana["owner_cannot_act"] is None
    apply(db, clock, _without_ana(receiver.url))

    listed = cli("action-item", "list")
    assert listed.exit_code == 0, listed.output
    assert "ana@corp.test (deactivated: give it a new owner)" in listed.stdout
    assert "bo@corp.test (" not in listed.stdout
    shown = cli("action-item", "show", str(ana["id"]))
    assert "ana@corp.test (deactivated: give it a new owner)" in shown.stdout

    items = json.loads(cli("action-item", "list", "--json").stdout)
    flags = {i["id"]: i["owner_cannot_act"] for i in items}
    assert flags == {ana["id"]: "deactivated", bo["id"]: None}
    one = client.get(f"/api/v1/action-items/{ana['id']}", headers=admin_headers).json()
    assert one["owner_cannot_act"] == "deactivated"
    # Given a new owner, the flag goes.
    moved = cli("action-item", "update", str(ana["id"]), "--owner", "cy@corp.test", "--json")
    assert json.loads(moved.stdout)["owner_cannot_act"] is None
    # Made a viewer, bo can no longer mark the item done: flagged too.
    with db.session() as session:
        auth_service.get_user_by_email(session, "bo@corp.test").role = "viewer"
        session.commit()
    assert "bo@corp.test (a viewer: give it a new owner)" in cli("action-item", "list").stdout
