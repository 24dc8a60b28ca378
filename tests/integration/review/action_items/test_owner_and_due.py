"""An action item's owner can close it (no viewer), and a re-classified item whose due date came
from the matrix takes the new cell's (both databases)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.action_items.conftest import add
from tests.integration.review.action_items.test_api import count_items, events
from warroom.clock import FakeClock
from warroom.db import Database

H = dict[str, str]


def _due(item: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(item["due_at"]) if item["due_at"] else None


def test_a_viewer_is_refused_as_owner(
    client: TestClient, admin_headers: H, number: int, db: Database, make_token: MakeToken
) -> None:
    make_token("viewer", email="cto@corp.test")
    body = {"title": "Customer letter", "owner": "cto@corp.test", "impact": "low"}
    refused = client.post(
        f"/api/v1/incidents/{number}/action-items",
        json=body | {"effort": "low"},
        headers=admin_headers,
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["field"] == "owner"
    assert "cto@corp.test is a viewer and could not mark the item done" in error["message"]
    assert count_items(db) == 0
    item = add(client, admin_headers, number)
    moved = client.patch(
        f"/api/v1/action-items/{item['id']}", json={"owner": "cto@corp.test"}, headers=admin_headers
    )
    assert moved.status_code == 422 and moved.json()["error"]["field"] == "owner"


def test_a_matrix_due_date_follows_the_new_cell(
    client: TestClient, admin_headers: H, number: int, db: Database, clock: FakeClock
) -> None:
    item = add(client, admin_headers, number)  # high/low: P0, due in 7 days
    url = f"/api/v1/action-items/{item['id']}"
    clock.advance(days=2)
    monthly = client.patch(url, json={"effort": "high"}, headers=admin_headers).json()
    assert (monthly["priority"], monthly["horizon"]) == ("P1", "this month")
    assert _due(monthly) == clock.now() + timedelta(days=30)
    changes = events(db, number)[-1][1]["changes"]
    assert changes["due_at"] == [item["due_at"].replace("Z", "+00:00"), changes["due_at"][1]]
    backlog = client.patch(url, json={"impact": "low"}, headers=admin_headers).json()
    assert backlog["priority"] == "P3" and backlog["due_at"] is None
    urgent = client.patch(url, json={"impact": "high", "effort": "low"}, headers=admin_headers)
    assert _due(urgent.json()) == clock.now() + timedelta(days=7)


def test_a_due_date_a_person_gave_stays(
    client: TestClient, admin_headers: H, number: int, clock: FakeClock
) -> None:
    given = add(client, admin_headers, number, due="2026-03-01")
    url = f"/api/v1/action-items/{given['id']}"
    kept = client.patch(url, json={"effort": "high"}, headers=admin_headers).json()
    assert kept["priority"] == "P1" and kept["due_at"] == given["due_at"]
    later = add(client, admin_headers, number)
    url = f"/api/v1/action-items/{later['id']}"
    client.patch(url, json={"due": None}, headers=admin_headers)  # no due date, on purpose
    still = client.patch(url, json={"effort": "high"}, headers=admin_headers).json()
    assert still["priority"] == "P1" and still["due_at"] is None
