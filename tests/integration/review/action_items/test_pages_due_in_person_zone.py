"""The web UI's add and edit forms read a due date in the signed-in person's time zone
(users.time_zone, UTC when unset), as `warroom action-item --due` reads it in WARROOM_TZ: a date
is due by the end of that day where the person is, and the edit form shows the date there.
They read it as the end of that day in UTC and showed the UTC date: a person in Los Angeles
picking 1 March got an item due at 15:59 on 1 March their time, and one due by the end of
1 March (given in the CLI) showed 2 March in the form. On both databases."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.review.action_items.test_pages import post
from tests.integration.web.conftest import make_ui_user, ui_login
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.review.action_items.models import ActionItem

__all__ = ["make_ui_user", "ui_login"]  # fixtures used by these tests


def _zone(db: Database, email: str, zone: str) -> None:
    with db.session() as session:
        auth_service.get_user_by_email(session, email).time_zone = zone
        session.commit()


def _due_of(db: Database, item_id: int) -> str:
    with db.session() as session:
        due = session.get(ActionItem, item_id).due_at  # type: ignore[union-attr]
        return due.isoformat()[:19]


def _form_due(html: str) -> str:
    found = re.search(r'<input id="ai-due" name="due" type="date" value="([^"]*)"', html)
    assert found, "no due field"
    return found.group(1)


def test_add_and_edit_read_the_due_date_in_the_person_zone(
    client: TestClient, number: int, db: Database, ui_login: Callable[..., Any]
) -> None:
    me = ui_login(client, "responder")
    _zone(db, me.email, "America/Los_Angeles")
    page = f"/ui/incidents/{number}/action-items"
    added = post(
        client, page, page, title="Alert on queue depth", owner="ana@corp.test",
        impact="high", effort="low", due="2026-03-01",
    )  # fmt: skip
    assert added.status_code == 303, added.text
    assert _due_of(db, 1) == "2026-03-02T07:59:59"  # the end of 1 March in Los Angeles
    item_page = client.get("/ui/action-items/1").text
    assert _form_due(item_page) == "2026-03-01"  # not the UTC date, 2 March
    assert "by the end of that day, in your time zone, America/Los_Angeles;" in item_page

    # Editing the title alone keeps the due time; a new date is the end of that day there.
    edited = post(
        client, "/ui/action-items/1", "/ui/action-items/1", title="Alert on queue depth (p99)",
        owner="ana@corp.test", impact="high", effort="low", due="2026-03-01",
        due_was="2026-03-01", status="open", description="",
    )  # fmt: skip
    assert edited.status_code == 303, edited.text
    assert _due_of(db, 1) == "2026-03-02T07:59:59"
    edited = post(
        client, "/ui/action-items/1", "/ui/action-items/1", title="Alert on queue depth (p99)",
        owner="ana@corp.test", impact="high", effort="low", due="2026-03-05",
        due_was="2026-03-01", status="open", description="",
    )  # fmt: skip
    assert edited.status_code == 303, edited.text
    assert _due_of(db, 1) == "2026-03-06T07:59:59"
    assert _form_due(client.get("/ui/action-items/1").text) == "2026-03-05"


def test_no_zone_is_utc_and_a_bad_date_is_refused_with_nothing_written(
    client: TestClient, number: int, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    ui_login(client, "responder")
    page = f"/ui/incidents/{number}/action-items"
    post(
        client, page, page, title="Alert on queue depth", owner="ana@corp.test",
        impact="high", effort="low", due="2026-03-01",
    )  # fmt: skip
    assert _due_of(db, 1) == "2026-03-01T23:59:59"
    shown = client.get("/ui/action-items/1").text
    assert "by the end of that day, in your time zone, UTC;" in shown
    refused = post(
        client, page, page, title="Another", owner="ana@corp.test",
        impact="high", effort="low", due="next friday",
    )  # fmt: skip
    assert refused.status_code == 422
    assert "due" in refused.text and "next friday" in refused.text
    with db.session() as session:
        assert session.query(ActionItem).count() == 1
