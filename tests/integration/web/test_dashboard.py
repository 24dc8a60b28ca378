"""The dashboard (issue 13): open incidents by severity with countdowns, on call now, my pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.paging.world import apply
from tests.integration.web.conftest import csrf_of
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.notify import service as notify


def _world(db: Database, clock: FakeClock) -> dict[str, int]:
    apply(db, clock)  # severities P0 and P2, a daily schedule of oncall1 and oncall2
    with db.session() as session:
        minor = make_incident(session, clock, title="Slow search", severity="P2")
        clock.advance(timedelta(minutes=1))
        major = make_incident(session, clock, title="Checkout down", severity="P0")
        done = make_incident(session, clock, title="Old trouble", severity="P0")
        incidents.resolve(session, clock, done, actor="t@example.com", note="fixed", force=True)
        secret = make_incident(session, clock, title="Secret merger", severity="P0",
                               private=True, actor="boss@example.com")  # fmt: skip
        notify.queue_message(
            session, clock, url="json://127.0.0.1:9/oncall1-push", title="[P0] Checkout down",
            body="page", incident_id=major.id, user_id=_user_id(session, "oncall1@atlas.test"),
            idempotency_key="dash:1", purpose="page",
        )  # fmt: skip
        return {"minor": minor.number, "major": major.number, "done": done.number,
                "secret": secret.number}  # fmt: skip


def _user_id(session: Any, email: str) -> int:
    from warroom.auth import service as auth_service

    return auth_service.get_user_by_email(session, email).id


def test_open_incidents_by_severity_with_countdowns(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    numbers = _world(db, clock)
    ui_login(client, "responder", email="oncall1@atlas.test")
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "Open incidents (2)" in text
    assert text.index("Checkout down") < text.index("Slow search")  # P0 before P2
    assert "Old trouble" not in text  # resolved
    assert "Secret merger" not in text  # private, and not a member
    # The acknowledge target of the P0 (5 minutes after opening) is a ticking countdown.
    assert 'data-deadline="2026-01-01T12:06:00Z"' in text
    assert re.search(r'class="deadline"[^>]*>in 5 min<', text)
    assert f'href="/ui/incidents/{numbers["major"]}"' in text
    clock.advance(timedelta(minutes=10))
    late = client.get("/").text
    assert re.search(r'class="deadline late"[^>]*>5 min late<', late)


def test_on_call_now_and_my_pages(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    numbers = _world(db, clock)
    ui_login(client, "responder", email="oncall1@atlas.test")
    text = client.get("/").text
    on_call = text[text.index("On call now") : text.index("My pages")]
    assert "Atlas primary" in on_call
    assert "oncall1@atlas.test" in on_call or "oncall2@atlas.test" in on_call
    mine = text[text.index("My pages") :]
    assert "[P0] Checkout down" in mine and f'href="/ui/incidents/{numbers["major"]}"' in mine
    # Another person's dashboard does not show oncall1's pages.
    with TestClient(client.app) as other:
        ui_login(other, "viewer")
        assert "No pages sent to you lately." in other.get("/").text


def test_admins_see_private_incidents_too(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    _world(db, clock)
    ui_login(client, "admin")
    text = client.get("/").text
    assert "Open incidents (3)" in text and "Secret merger" in text
    assert 'href="/ui/admin"' in text


def test_responders_get_controls_viewers_do_not(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    numbers = _world(db, clock)
    ui_login(client, "viewer")
    viewer_page = client.get("/").text
    assert "Acknowledge" not in viewer_page and 'href="/ui/admin"' not in viewer_page
    forged = client.post(
        f"/ui/incidents/{numbers['major']}/status/ack",
        data={"csrf_token": csrf_of(viewer_page)},
        follow_redirects=False,
    )
    assert forged.status_code == 403  # the route checks the role again
    with TestClient(client.app) as responder:
        ui_login(responder, "responder")
        page = responder.get("/").text
        assert page.count(">Acknowledge</button>") == 2  # both triggered incidents
        done = responder.post(
            f"/ui/incidents/{numbers['major']}/status/ack",
            data={"csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert done.status_code == 303
    with db.session() as session:
        assert incidents.get_incident(session, numbers["major"]).status == "acknowledged"


def test_the_live_fragment_needs_a_session(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    _world(db, clock)
    answer = client.get("/ui/dashboard/fragment", follow_redirects=False)
    assert answer.status_code == 303
    ui_login(client, "viewer")
    fragment = client.get("/ui/dashboard/fragment")
    assert fragment.status_code == 200
    assert "Checkout down" in fragment.text and "<html" not in fragment.text
