"""A live stream reads as the person is now, not as they were when it connected: each poll
takes the role the session's user has then. An admin who is no member of a private incident
and is made a viewer stops hearing of it at the next poll."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.web.test_events import _events, _wait_for, fast_poll  # noqa: F401
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

BOSS = "boss@example.com"


def _private(db: Database, clock: FakeClock, title: str) -> int:
    with db.session() as session:
        return make_incident(session, clock, title=title, private=True, actor=BOSS).number


def _make_viewer(db: Database, email: str) -> None:
    with db.session() as session:
        auth_service.get_user_by_email(session, email).role = "viewer"


def test_a_demoted_admin_stops_hearing_a_private_timeline(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    number = _private(db, clock, "Takeover")
    admin = ui_login(client, "admin")
    with client.stream("GET", f"/ui/events?incident={number}") as answer:
        assert answer.status_code == 200
        stream = _events(answer.iter_lines())
        _wait_for(stream, "ready")
        _make_viewer(db, admin.email)
        with db.session() as session:
            incident = incidents.get_incident(session, number)
            incidents.add_note(session, clock, incident, actor=BOSS, text="secret")
        assert next(stream)[0] == "closed"  # not the note's `timeline`
        assert list(stream) == []  # and the stream has ended
    assert client.get(f"/ui/incidents/{number}").status_code == 404


def test_a_demoted_admins_dashboard_stops_counting_private_incidents(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    _private(db, clock, "Takeover")
    admin = ui_login(client, "admin")
    with client.stream("GET", "/ui/events") as answer:
        stream = _events(answer.iter_lines())
        _wait_for(stream, "ready")
        _make_viewer(db, admin.email)
        _private(db, clock, "Another takeover")
        change = _wait_for(stream, "incidents")
    assert json.loads(change["data"]) == {"open": 0}
