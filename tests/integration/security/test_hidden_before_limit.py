"""Lists of things that belong to incidents leave out a private incident's rows in the query,
before the limit: dropped afterwards, a caller who is no member got a short (or empty) page
while older rows they may see existed, which told them that hidden rows exist.

Two public incidents' rows are older than three private incidents' rows; a viewer who is no
member asks for pages of two and must get the two public rows, as an admin gets the newest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.web.conftest import make_ui_user, ui_login
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake.models import Alert
from warroom.notify import service as notify
from warroom.web import pages_alerts

__all__ = ["make_ui_user", "ui_login"]  # fixtures

H = dict[str, str]


def _rows(db: Database, clock: FakeClock) -> tuple[list[int], list[int]]:
    """Two public incidents, then three private ones, each with one alert and one message;
    (public alert ids, public message ids)."""
    alerts: list[int] = []
    messages: list[int] = []
    with db.session() as session:
        for n, private in enumerate((False, False, True, True, True)):
            incident = make_incident(
                session, clock, title=f"t{n}", private=private, actor="boss@example.com"
            )
            now = clock.now().astimezone(UTC)
            alert = Alert(
                integration="api",
                fingerprint=f"fp{n}",
                status="firing",
                labels={"n": str(n)},
                annotations={},
                links=[],
                raw={},
                first_seen_at=now,
                last_seen_at=now,
                incident_id=incident.id,
            )
            session.add(alert)
            message = notify.queue_message(
                session,
                clock,
                url="json://127.0.0.1:9/x",
                title=f"about t{n}",
                body="b",
                incident_id=incident.id,
                user_id=None,
                idempotency_key=f"hidden-before-limit:{n}",
                purpose="channel",
            )
            session.flush()
            if not private:
                alerts.append(alert.id)
                messages.append(message.id)
        session.commit()
    return alerts[::-1], messages[::-1]


def test_a_page_of_alerts_or_notifications_is_full_of_what_the_caller_may_see(
    db: Database, clock: FakeClock, client: TestClient, viewer_headers: H, admin_headers: H
) -> None:
    alerts, messages = _rows(db, clock)

    def ids(url: str, headers: H) -> list[int]:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        return [row["id"] for row in answer.json()]

    assert ids("/api/v1/alerts?limit=2", viewer_headers) == alerts
    assert ids("/api/v1/notifications?limit=2", viewer_headers) == messages
    # The admin sees the private rows, newest first: the viewer's page was not cut by them.
    assert ids("/api/v1/alerts?limit=2", admin_headers) != alerts
    assert ids("/api/v1/notifications?limit=2", admin_headers) != messages


def test_the_alerts_page_is_full_of_what_the_person_may_see(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    ui_login: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alerts, _ = _rows(db, clock)
    monkeypatch.setattr(pages_alerts, "PAGE_SIZE", 2)
    ui_login(client, "viewer")
    page = client.get("/ui/alerts", params={"status": "all"})
    assert page.status_code == 200
    shown = [int(n) for n in re.findall(r'data-alert="(\d+)"', page.text)]
    assert shown == alerts, shown
