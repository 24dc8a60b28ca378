"""The next-update due times an incident shows (its API answer's `due`, the list, `warroom
incident show`, the web incident page and the dashboard) are the comms cadence's: the due time
that sends the reminders and records `comms:cadence:overdue`, per audience. An audience with no
update due (a drill's public one, a severity without that cadence, a resolved incident) shows
none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from tests.integration.web import conftest as web
from warroom.cli.incident_screen import due_lines
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.settings import Settings

H = dict[str, str]
make_ui_user, ui_login = web.make_ui_user, web.ui_login  # the web tests' sign-in fixtures
# The org's P0: first update within 15m, then internal every 30m, external every 1h.
FIRST = timedelta(minutes=15)


@pytest.fixture
def world(db: Database, clock: FakeClock, client: TestClient, all_domains: None) -> Database:
    """The comms org, with comms subscribed to incidents' events (the app's wiring)."""
    apply(db, clock, org("127.0.0.1:9"))  # nothing listens: deliveries just fail
    return db


def _open(db: Database, clock: FakeClock, severity: str = "P0", drill: bool = False) -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="t", title="Checkout down", severity=severity,
            services=["api"], drill=drill,
        )  # fmt: skip
        return incident.number


def _due(client: TestClient, headers: H, number: int) -> dict[str, Any]:
    answer = client.get(f"/api/v1/incidents/{number}", headers=headers)
    assert answer.status_code == 200, answer.text
    due: dict[str, Any] = answer.json()["due"]
    listed = client.get("/api/v1/incidents", headers=headers).json()["items"]
    assert [i["due"] for i in listed if i["number"] == number] == [due]  # the list agrees
    return due


def _cadence(db: Database, number: int) -> dict[str, datetime | None]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        return {r.audience: r.due_at for r in comms.cadence_record(session, incident.id).rows}


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _at(due: dict[str, Any], key: str) -> datetime | None:
    value = due[key]
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _work(db: Database, clock: FakeClock, settings: Settings) -> None:
    worker = Worker(db, clock, settings, "due-test")
    while worker.run_once():
        pass


def test_first_update_within_is_shown_and_goes_overdue_with_the_reminders(
    world: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    admin_headers: H,
    ui_login: Callable[..., Any],
) -> None:
    number = _open(world, clock)
    opened = clock.now()
    due = _due(client, admin_headers, number)
    assert _at(due, "next_internal_update_by") == opened + FIRST  # not the 30m cadence
    assert _at(due, "next_external_update_by") == opened + FIRST  # not the 1h cadence
    assert _cadence(world, number) == {"internal": opened + FIRST, "external": opened + FIRST}
    assert not due["internal_update_overdue"] and not due["external_update_overdue"]

    clock.advance(minutes=26)
    _work(world, clock, settings)  # reminded, then `comms:cadence:overdue` for both audiences
    due = _due(client, admin_headers, number)
    assert due["internal_update_overdue"] and due["external_update_overdue"]
    assert _at(due, "next_internal_update_by") == opened + FIRST
    screen = due_lines(
        {"status": "triggered", **_answer(client, admin_headers, number)}, clock.now()
    )
    assert any("internal update" in line and "OVERDUE" in line for line in screen), screen
    assert any("external update" in line and "OVERDUE" in line for line in screen), screen

    ui_login(client, "viewer")
    page = client.get(f"/ui/incidents/{number}").text
    late = f'class="deadline late" datetime="{_iso(opened + FIRST)}"'
    assert f'{late} data-deadline="{_iso(opened + FIRST)}" title="internal update due"' in page
    assert f'{late} data-deadline="{_iso(opened + FIRST)}" title="public update due"' in page
    board = client.get("/ui/dashboard/fragment").text
    assert f'data-deadline="{_iso(opened + FIRST)}" title="next internal update by"' in board


def _answer(client: TestClient, headers: H, number: int) -> dict[str, Any]:
    answer: dict[str, Any] = client.get(f"/api/v1/incidents/{number}", headers=headers).json()
    return answer


def test_next_update_and_a_public_update_set_what_is_shown(
    world: Database, clock: FakeClock, client: TestClient, admin_headers: H
) -> None:
    number = _open(world, clock)
    clock.advance(minutes=5)
    posted = client.post(
        f"/api/v1/incidents/{number}/updates",
        headers=admin_headers,
        json={"state": "identified", "internal": "rolling back", "next_update": "2h"},
    )
    assert posted.status_code == 201, posted.text
    due = _due(client, admin_headers, number)
    assert _at(due, "next_internal_update_by") == clock.now() + timedelta(hours=2)
    # The public audience was not served: its first update is still due 15m after opening.
    assert _at(due, "next_external_update_by") == clock.now() + timedelta(minutes=10)
    clock.advance(minutes=40)  # past the 30m cadence from the update, before --next-update
    due = _due(client, admin_headers, number)
    assert not due["internal_update_overdue"] and due["external_update_overdue"]


def test_a_reopened_incident_owes_its_first_updates_again(
    world: Database, clock: FakeClock, client: TestClient, admin_headers: H
) -> None:
    number = _open(world, clock)
    clock.advance(minutes=5)
    with world.session() as session:
        incidents.resolve(session, clock, incidents.get_incident(session, number), actor="t")
    due = _due(client, admin_headers, number)
    assert due["next_internal_update_by"] is None and due["next_external_update_by"] is None
    assert not due["internal_update_overdue"] and not due["external_update_overdue"]
    clock.advance(hours=2)
    with world.session() as session:
        incidents.reopen(session, clock, incidents.get_incident(session, number), actor="t")
    due = _due(client, admin_headers, number)
    assert _at(due, "next_internal_update_by") == clock.now() + FIRST
    assert _at(due, "next_external_update_by") == clock.now() + FIRST
    assert not due["internal_update_overdue"] and not due["external_update_overdue"]


def test_a_drill_owes_no_public_update(
    world: Database,
    clock: FakeClock,
    client: TestClient,
    admin_headers: H,
    ui_login: Callable[..., Any],
) -> None:
    number = _open(world, clock, drill=True)
    clock.advance(minutes=61)
    due = _due(client, admin_headers, number)
    assert due["next_external_update_by"] is None and not due["external_update_overdue"]
    assert due["internal_update_overdue"]  # the drill's responders still owe updates
    refused = client.post(
        f"/api/v1/incidents/{number}/updates",
        headers=admin_headers,
        json={"state": "investigating", "internal": "i", "public": "p"},
    )
    assert refused.status_code == 422  # ... and a public one could not be posted anyway
    ui_login(client, "viewer")
    page = client.get(f"/ui/incidents/{number}").text
    assert 'title="internal update due"' in page and 'title="public update due"' not in page


def test_a_severity_without_a_public_cadence_shows_no_public_update(
    world: Database, clock: FakeClock, client: TestClient, admin_headers: H
) -> None:
    number = _open(world, clock, severity="P2")  # internal every 1h, no external cadence
    due = _due(client, admin_headers, number)
    assert _at(due, "next_internal_update_by") == clock.now() + timedelta(hours=1)
    assert due["next_external_update_by"] is None and not due["external_update_overdue"]
