"""Action items over the API: the default matrix, due dates from the horizon, status history on
the timeline, bad input refused naming the field (nothing written), private incidents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.review.action_items.conftest import add
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.action_items import service
from warroom.review.action_items.models import ActionItem

CELLS = [
    ("high", "low", "P0", "this week", timedelta(days=7)),
    ("high", "high", "P1", "this month", timedelta(days=30)),
    ("low", "low", "P2", "this quarter", timedelta(days=90)),
    ("low", "high", "P3", "backlog", None),
]


def events(db: Database, number: int) -> list[tuple[str, dict]]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = timeline.last_events(session, incident_id=incident.id, count=200)
        found = sorted(rows, key=lambda e: e.id)
        return [(e.kind, dict(e.payload)) for e in found if e.kind.startswith("review:")]


def count_items(db: Database) -> int:
    with db.session() as session:
        return len(session.query(ActionItem).all())


@pytest.mark.parametrize(("impact", "effort", "priority", "horizon", "within"), CELLS)
def test_default_matrix_gives_priority_horizon_and_due_date(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    clock: FakeClock,
    impact: str,
    effort: str,
    priority: str,
    horizon: str,
    within: timedelta | None,
) -> None:
    item = add(client, admin_headers, number, impact=impact, effort=effort)
    assert (item["priority"], item["horizon"]) == (priority, horizon)
    due = None if within is None else clock.now() + within
    assert (datetime.fromisoformat(item["due_at"]) if item["due_at"] else None) == due
    assert item["status"] == "open" and item["owner"] == "ana@corp.test"
    assert item["incident"] == number and item["overdue"] is False


def test_given_due_date_wins_over_the_horizon(
    client: TestClient, admin_headers: dict[str, str], number: int
) -> None:
    item = add(client, admin_headers, number, impact="low", effort="high", due="2026-03-01")
    assert item["priority"] == "P3"
    assert item["due_at"] == "2026-03-01T23:59:59Z"
    exact = add(client, admin_headers, number, due="2026-02-01T09:30:00+01:00")
    assert exact["due_at"] == "2026-02-01T08:30:00Z"


def test_status_changes_and_edits_are_on_the_timeline(
    client: TestClient, admin_headers: dict[str, str], number: int, db: Database
) -> None:
    item = add(client, admin_headers, number)
    url = f"/api/v1/action-items/{item['id']}"
    started = client.patch(url, json={"status": "in_progress"}, headers=admin_headers)
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    moved = client.patch(
        url, json={"impact": "low", "owner": "bo@corp.test"}, headers=admin_headers
    )
    assert moved.json()["priority"] == "P2" and moved.json()["owner"] == "bo@corp.test"
    done = client.patch(url, json={"status": "done"}, headers=admin_headers).json()
    assert done["status"] == "done" and done["closed_at"] is not None
    kinds = [kind for kind, _ in events(db, number)]
    assert kinds == [
        "review:action_item:created",
        "review:action_item:status_in_progress",
        "review:action_item:updated",
        "review:action_item:status_done",
    ]
    updated = events(db, number)[2][1]
    assert updated["changes"]["owner"] == ["ana@corp.test", "bo@corp.test"]
    assert updated["changes"]["impact"] == ["high", "low"]
    assert updated["priority"] == "P2" and updated["action_item"] == item["id"]
    shown = client.get(f"/api/v1/incidents/{number}/action-items", headers=admin_headers).json()
    assert [(i["id"], i["status"]) for i in shown] == [(item["id"], "done")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"owner": "nobody@corp.test"}, "owner"),
        ({"impact": "huge"}, "impact"),
        ({"effort": "medium"}, "effort"),
        ({"title": ""}, "title"),
        ({"due": "next week"}, "due"),
        ({"due": "2026-02-01T09:30:00"}, "due"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    body: dict[str, str],
    field: str,
) -> None:
    full = {"title": "t", "owner": "ana@corp.test", "impact": "high", "effort": "low"} | body
    answer = client.post(
        f"/api/v1/incidents/{number}/action-items", json=full, headers=admin_headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert count_items(db) == 0
    assert events(db, number) == []


def test_bad_change_is_refused_and_nothing_changes(
    client: TestClient, admin_headers: dict[str, str], number: int, db: Database
) -> None:
    item = add(client, admin_headers, number)
    url = f"/api/v1/action-items/{item['id']}"
    for body, field in (({"owner": "x@corp.test"}, "owner"), ({"status": "closed"}, "status")):
        answer = client.patch(url, json=body, headers=admin_headers)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field
    assert client.get(url, headers=admin_headers).json() == item
    assert len(events(db, number)) == 1


def test_viewers_read_responders_write(
    client: TestClient,
    admin_headers: dict[str, str],
    viewer_headers: dict[str, str],
    number: int,
) -> None:
    item = add(client, admin_headers, number)
    assert client.get("/api/v1/action-items", headers=viewer_headers).json()[0]["id"] == item["id"]
    refused = client.patch(
        f"/api/v1/action-items/{item['id']}", json={"status": "done"}, headers=viewer_headers
    )
    assert refused.status_code == 403


def test_items_of_a_private_incident_are_hidden_from_non_members(
    client: TestClient,
    admin_headers: dict[str, str],
    viewer_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
) -> None:
    with db.session() as session:
        private = incidents.open_incident(
            session, clock, actor="ana@corp.test", title="Secret", severity="P1", private=True
        ).number
    add(client, admin_headers, number, title="public one")
    secret = add(client, admin_headers, private, title="secret one")
    listed = client.get("/api/v1/action-items", headers=viewer_headers).json()
    assert [i["title"] for i in listed] == ["public one"]
    one = client.get(f"/api/v1/action-items/{secret['id']}", headers=viewer_headers)
    assert one.status_code == 404
    everything = client.get("/api/v1/action-items", headers=admin_headers).json()
    assert {i["title"] for i in everything} == {"public one", "secret one"}


def test_read_functions_for_postmortems_and_analytics(
    client: TestClient, admin_headers: dict[str, str], number: int, db: Database, clock: FakeClock
) -> None:
    late = add(client, admin_headers, number, title="late", impact="low", effort="low")
    add(client, admin_headers, number, title="soon", due="2026-01-20")
    add(client, admin_headers, number, title="backlog", impact="low", effort="high")
    gone = add(client, admin_headers, number, title="dropped", due="2026-01-02")
    client.patch(
        f"/api/v1/action-items/{gone['id']}", json={"status": "wont_do"}, headers=admin_headers
    )
    client.patch(
        f"/api/v1/action-items/{late['id']}", json={"due": "2026-01-05"}, headers=admin_headers
    )
    clock.advance(days=10)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        titles = [i.title for i in service.list_for_incident(session, incident.id)]
        assert titles == ["dropped", "soon", "late", "backlog"]  # by priority, then due date
        counts = service.open_and_overdue_counts(session, clock.now())
        assert counts == {"open": 3, "overdue": 1}
        assert service.open_and_overdue_counts(session, clock.now(), incident_ids=[]) == {
            "open": 0,
            "overdue": 0,
        }


def test_a_configured_matrix_sets_priority_horizon_and_due_date(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    clock: FakeClock,
    applied: Callable[[str], Any],
) -> None:
    applied(
        "action_items:\n  matrix:\n"
        "    high_impact_low_effort: {priority: SEV-A, horizon: 48 hours, due_within: 2d}\n"
        "    low_impact_high_effort: {priority: P4, horizon: next year, due_within: 365d}\n"
    )
    urgent = add(client, admin_headers, number)
    assert (urgent["priority"], urgent["horizon"]) == ("SEV-A", "48 hours")
    assert datetime.fromisoformat(urgent["due_at"]) == clock.now() + timedelta(days=2)
    someday = add(client, admin_headers, number, impact="low", effort="high")
    assert (someday["priority"], someday["horizon"]) == ("P4", "next year")
    assert datetime.fromisoformat(someday["due_at"]) == clock.now() + timedelta(days=365)
    kept = add(client, admin_headers, number, effort="high")
    assert (kept["priority"], kept["horizon"]) == ("P1", "this month")
    moved = client.patch(
        f"/api/v1/action-items/{kept['id']}", json={"effort": "low"}, headers=admin_headers
    ).json()
    assert (moved["priority"], moved["horizon"]) == ("SEV-A", "48 hours")


def test_items_link_to_the_incidents_postmortem(
    client: TestClient, admin_headers: dict[str, str], number: int, db: Database, clock: FakeClock
) -> None:
    before = add(client, admin_headers, number, title="added while it burned")
    assert before["postmortem_id"] is None
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.resolve(session, clock, incident, actor="admin@example.com", note="fixed")
    after = add(client, admin_headers, number, title="added in the review")
    listed = client.get(f"/api/v1/incidents/{number}/action-items", headers=admin_headers).json()
    linked = {i["title"]: i["postmortem_id"] for i in listed}
    assert after["postmortem_id"] is not None
    assert linked == {
        "added while it burned": after["postmortem_id"],
        "added in the review": after["postmortem_id"],
    }
