"""Signing in as another person in the same browser (sign-in form or invite link) ends the
session the browser held: its cookie, replayed, no longer works, and nobody stays signed in
on the server behind the new person's back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.web.conftest import PASSWORD, csrf_of
from warroom.auth import invites
from warroom.auth.models import WebSession
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.principal import Principal
from warroom.web.csrf import SESSION_COOKIE


def _open_sessions(db: Database) -> list[int]:
    with db.session() as session:
        rows = session.scalars(select(WebSession).where(WebSession.ended_at.is_(None)))
        return sorted(r.user_id for r in rows)


def _still_works(client: TestClient, cookie: str) -> bool:
    with TestClient(client.app, cookies={SESSION_COOKIE: cookie}) as replay:
        return replay.get("/", follow_redirects=False).status_code == 200


def test_signing_in_as_another_person_ends_the_previous_session(
    client: TestClient, ui_login: Callable[..., Any], make_ui_user: Callable[..., Any], db: Database
) -> None:
    admin = ui_login(client, "admin")
    admin_cookie = client.cookies.get(SESSION_COOKIE) or ""
    viewer = make_ui_user("viewer")
    token = csrf_of(client.get("/").text)  # the signed-in browser's form token
    data = {"email": viewer.email, "password": PASSWORD, "csrf_token": token, "next": "/"}
    answer = client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code == 303
    assert viewer.email in client.get("/").text
    assert not _still_works(client, admin_cookie), "the admin's session outlived the switch"
    assert _open_sessions(db) == [viewer.user_id]
    assert admin.user_id not in _open_sessions(db)


def test_accepting_an_invite_ends_the_session_the_browser_held(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    admin = ui_login(client, "admin")
    admin_cookie = client.cookies.get(SESSION_COOKIE) or ""
    with db.session() as session:
        me = Principal(user_id=admin.user_id, email=admin.email, role="admin")
        user, _, link = invites.create_invite(
            session, clock, me, email="new@example.com", name="New", role=None, valid_seconds=3600
        )
        new_id = user.id
    page = client.get(f"/invite/{link}")
    data = {"password": "a long new password", "confirm": "a long new password"}
    answer = client.post(
        f"/invite/{link}", data=data | {"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert "new@example.com" in client.get("/").text
    assert not _still_works(client, admin_cookie), "the admin's session outlived the invite"
    assert _open_sessions(db) == [new_id]
