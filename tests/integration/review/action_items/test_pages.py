"""Action item pages of the web UI: the list with filters and the overdue flag, adding one on
an incident (a refusal names the field and keeps what was typed), editing, status buttons,
export, and the role and CSRF checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.review.action_items.conftest import add
from tests.integration.review.action_items.test_api import count_items, events
from tests.integration.review.action_items.test_export import export_config, tracker_server
from tests.integration.web.conftest import csrf_of, make_ui_user, ui_login
from warroom.clock import FakeClock
from warroom.db import Database

__all__ = ["make_ui_user", "ui_login"]  # fixtures used by these tests


def post(client: TestClient, page: str, action: str, **data: str) -> Any:
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def row(html: str, item_id: int) -> str:
    found = re.search(rf'<tr id="action-item-{item_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row for action item {item_id}"
    return found.group(1)


def test_add_on_an_incident_then_list_filter_and_overdue(
    client: TestClient,
    number: int,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
) -> None:
    ui_login(client, "responder")
    page = f"/ui/incidents/{number}/action-items"
    assert f'href="{page}"' in client.get(f"/ui/incidents/{number}").text  # linked from it
    assert client.get(page).status_code == 200
    added = post(
        client, page, page, title="Alert on queue depth", owner="ana@corp.test",
        impact="high", effort="low", due="",
    )  # fmt: skip
    assert added.status_code == 303 and added.headers["location"] == page
    shown = client.get(page).text
    assert "P0" in shown and "this week" in shown and "Alert on queue depth" in shown
    assert "action item 1 added: P0, this week" in shown  # the flashed message
    post(client, page, page, title="Rewrite consumer", owner="bo@corp.test", impact="low",
         effort="high", due="2026-01-03")  # fmt: skip
    listing = client.get("/ui/action-items")
    assert listing.status_code == 200 and 'href="/ui/action-items"' in listing.text
    assert "OVERDUE" not in listing.text
    clock.advance(days=3)
    ui_login(client, "viewer")  # the session has expired meanwhile
    late = client.get("/ui/action-items?overdue=true").text
    assert "OVERDUE" in row(late, 2) and 'id="action-item-1"' not in late
    mine = client.get("/ui/action-items?owner=ana%40corp.test").text
    assert 'id="action-item-1"' in mine and 'id="action-item-2"' not in mine
    by_incident = client.get(f"/ui/action-items?incident=INC-{number}&status=open").text
    assert 'id="action-item-1"' in by_incident and 'id="action-item-2"' in by_incident
    bad = client.get("/ui/action-items?incident=yesterday")
    assert bad.status_code == 422 and 'id="filter-error"' in bad.text and "incident" in bad.text


def test_a_refused_add_names_the_field_and_keeps_the_text(
    client: TestClient, number: int, db: Database, ui_login: Callable[..., Any]
) -> None:
    ui_login(client, "responder")
    page = f"/ui/incidents/{number}/action-items"
    refused = post(client, page, page, title="Keep this title", owner="nobody@corp.test",
                   impact="high", effort="low", due="")  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'id="ai-error"[^>]*>[^<]*owner', refused.text)
    assert 'value="Keep this title"' in refused.text
    bad_impact = post(client, page, page, title="x", owner="ana@corp.test", impact="huge",
                      effort="low", due="")  # fmt: skip
    assert bad_impact.status_code == 422 and "impact" in bad_impact.text
    assert count_items(db) == 0


def test_edit_status_buttons_and_history(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    ui_login: Callable[..., Any],
) -> None:
    item = add(client, admin_headers, number)
    client.headers.pop("Authorization", None)
    ui_login(client, "responder")
    page = f"/ui/action-items/{item['id']}"
    form = client.get(page).text
    due = re.search(r'name="due" type="date" value="([^"]*)"', form)
    assert due and due.group(1) == item["due_at"][:10]
    edited = post(client, page, page, title="Alert on queue depth and age", owner="bo@corp.test",
                  impact="high", effort="high", due=due.group(1), due_was=due.group(1),
                  status="open", description="both queues")  # fmt: skip
    assert edited.status_code == 303
    shown = client.get(page).text
    assert "Alert on queue depth and age" in shown and "bo@corp.test" in shown and "P1" in shown
    started = post(client, page, f"{page}/status", status="in_progress")
    assert started.status_code == 303
    assert 'id="ai-status">in progress<' in client.get(page).text
    post(client, page, f"{page}/status", status="done")
    kinds = [k for k, _ in events(db, number)]
    assert kinds == [
        "review:action_item:created",
        "review:action_item:updated",
        "review:action_item:status_in_progress",
        "review:action_item:status_done",
    ]
    changed = events(db, number)[1][1]["changes"]
    # The due date field was left as it was: the matrix's date follows the new cell (P1).
    assert set(changed) == {"title", "owner", "effort", "description", "due_at"}
    bad = post(client, page, page, title="t", owner="bo@corp.test", impact="high", effort="high",
               due="2026-02-30", due_was="", status="done", description="")  # fmt: skip
    assert bad.status_code == 422 and "due" in bad.text


def test_viewers_get_no_forms_and_posts_need_the_role_and_csrf(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    ui_login: Callable[..., Any],
) -> None:
    item = add(client, admin_headers, number)
    client.headers.pop("Authorization", None)
    ui_login(client, "viewer")
    page = f"/ui/action-items/{item['id']}"
    shown = client.get(page).text
    assert "Alert on queue depth" in shown and "<h2>Edit</h2>" not in shown
    assert "Add an action item" not in client.get(f"/ui/incidents/{number}/action-items").text
    token = csrf_of(shown)  # the sign-out form's token
    refused = client.post(f"{page}/status", data={"csrf_token": token, "status": "done"},
                          follow_redirects=False)  # fmt: skip
    assert refused.status_code == 403
    ui_login(client, "responder")
    forged = client.post(f"{page}/status", data={"csrf_token": "forged", "status": "done"},
                         follow_redirects=False)  # fmt: skip
    assert forged.status_code == 403
    assert client.get("/ui/action-items/999").status_code == 404


def test_export_button_sends_to_the_tracker(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    applied: Callable[[str], Any],
    ui_login: Callable[..., Any],
) -> None:
    item = add(client, admin_headers, number)
    client.headers.pop("Authorization", None)
    ui_login(client, "responder")
    page = f"/ui/action-items/{item['id']}"
    assert "Send to the issue tracker" not in client.get(page).text
    with tracker_server() as tracker:
        applied(export_config(tracker.url))
        queued = post(client, page, f"{page}/export")
        assert queued.status_code == 303
        assert re.search(r'id="ai-export">Issue tracker: queued', client.get(page).text)


def test_the_owner_picker_offers_no_viewer(
    client: TestClient, number: int, db: Database, ui_login: Callable[..., Any]
) -> None:
    """A viewer may not own an item (they could not mark it done), so the forms do not
    suggest one; the list's owner filter still offers everyone."""
    viewer = ui_login(client, "viewer")
    responder = ui_login(client, "responder")
    page = client.get(f"/ui/incidents/{number}/action-items").text
    assert f'<option value="{responder.email}">' in page
    assert f'<option value="{viewer.email}">' not in page
    assert f'<option value="{viewer.email}">' in client.get("/ui/action-items").text
