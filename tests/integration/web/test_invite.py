"""One-time invite links (issue 13): `warroom user invite`, set a password, signed in, once only."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.web.conftest import csrf_of, sign_in
from warroom.auth.models import Invite
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify import service as notify

LINK = re.compile(r"http://127\.0\.0\.1:8080/invite/([A-Za-z0-9_-]{40,})")
NEW_PASSWORD = "a long new password"


def _invite(cli: Callable[..., Any], *args: str) -> str:
    result = cli("user", "invite", *args)
    assert result.exit_code == 0, result.output
    found = LINK.search(result.output)
    assert found, result.output
    return found.group(1)


def _accept(client: TestClient, token: str, password: str, confirm: str | None = None) -> Any:
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200, page.text
    data = {"password": password, "confirm": confirm or password, "csrf_token": csrf_of(page.text)}
    return client.post(f"/invite/{token}", data=data, follow_redirects=False)


def test_an_invite_sets_the_password_signs_in_and_works_once(
    cli: Callable[..., Any], client: TestClient, db: Database
) -> None:
    token = _invite(cli, "New.Person@example.com", "--name", "New Person", "--role", "responder")
    with db.session() as session:
        invite = session.scalar(select(Invite))
        assert (
            invite is not None and invite.token_hash == hashlib.sha256(token.encode()).hexdigest()
        )
    client.headers.pop("Authorization", None)  # the browser has no API token
    page = client.get(f"/invite/{token}")
    assert "new.person@example.com" in page.text and "responder" in page.text
    answer = _accept(client, token, NEW_PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    dashboard = client.get("/")
    assert "new.person@example.com" in dashboard.text and "Welcome, New Person" in dashboard.text
    again = client.get(f"/invite/{token}")
    assert again.status_code == 404 and "used or expired" in again.text
    with TestClient(client.app) as other:
        assert sign_in(other, "new.person@example.com", NEW_PASSWORD).status_code == 303
    listed = cli("user", "list")
    assert "new.person@example.com" in listed.output and "responder" in listed.output


def test_an_expired_or_replaced_invite_does_not_work(
    cli: Callable[..., Any], client: TestClient, clock: FakeClock
) -> None:
    old = _invite(cli, "late@example.com")
    newer = _invite(cli, "late@example.com")
    client.headers.pop("Authorization", None)
    assert client.get(f"/invite/{old}").status_code == 404  # the newer link replaced it
    clock.advance(timedelta(days=7, seconds=1))
    expired = client.get(f"/invite/{newer}")
    assert expired.status_code == 404 and "ask an admin for a new one" in expired.text
    assert client.get("/invite/not-a-token").status_code == 404


def test_a_bad_password_is_refused_and_the_link_still_works(
    cli: Callable[..., Any], client: TestClient
) -> None:
    token = _invite(cli, "short@example.com")
    client.headers.pop("Authorization", None)
    short = _accept(client, token, "short")
    assert short.status_code == 422 and "at least 10 characters" in short.text
    differ = _accept(client, token, NEW_PASSWORD, "another long password")
    assert differ.status_code == 422 and "differ" in differ.text
    # The focus is back on the new password (the e-mail above it is read-only).
    assert re.search(r'<input id="password"[^>]*autofocus', differ.text)
    no_csrf = client.post(
        f"/invite/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert no_csrf.status_code == 403
    assert _accept(client, token, NEW_PASSWORD).status_code == 303


def test_send_e_mails_the_link_through_the_engine(cli: Callable[..., Any], db: Database) -> None:
    result = cli("user", "invite", "mail@example.com", "--send")
    assert result.exit_code == 0 and "e-mailed to mail@example.com" in result.output
    token = LINK.search(result.output)
    assert token
    with db.session() as session:
        [message] = [m for m in notify.list_messages(session) if m.purpose == "invite"]
        assert message.scheme == "mailto" and message.url.endswith("to=mail@example.com")
        assert token.group(0) in message.body and message.state == "queued"
        assert message.job_id is not None  # delivered by the engine after the commit


def test_only_admins_invite(
    client: TestClient, responder_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    for headers in (responder_headers, viewer_headers):
        answer = client.post(
            "/api/v1/users/invite", json={"email": "x@example.com"}, headers=headers
        )
        assert answer.status_code == 403
    bad = client.post("/api/v1/users/invite", json={"email": "x@example.com", "role": "root"})
    assert bad.status_code == 401  # no credential at all


def test_bootstrap_prints_a_web_ui_invite_for_the_first_admin(
    tmp_path: Any, monkeypatch: Any
) -> None:
    from typer.testing import CliRunner

    from warroom.auth import invites
    from warroom.auth.models import User
    from warroom.cli.main import app as cli_app
    from warroom.clock import SystemClock
    from warroom.migrate import upgrade

    url = f"sqlite:///{tmp_path}/boot.db"
    upgrade(url)
    monkeypatch.setenv("WARROOM_DATABASE_URL", url)
    first = CliRunner().invoke(cli_app, ["bootstrap", "--url", "http://127.0.0.1:9999"])
    assert first.exit_code == 0, first.output
    found = re.search(r"http://127\.0\.0\.1:9999/invite/(\S+)", first.output)
    assert found, first.output
    database = Database(url)
    try:
        with database.session() as session:
            user, _ = invites.accept_invite(session, SystemClock(), found.group(1), NEW_PASSWORD)
            assert user.email == "admin@warroom.local" and user.role == "admin"
        again = CliRunner().invoke(cli_app, ["bootstrap", "--url", "http://127.0.0.1:9999"])
        assert "sign in at http://127.0.0.1:9999/login as admin@warroom.local" in again.output
        assert "/invite/" not in again.output
        with database.session() as session:
            assert session.scalar(select(User.password_hash)) is not None
    finally:
        database.dispose()


def test_invite_links_never_reach_the_access_log() -> None:
    from warroom.auth.logredact import redact

    line = '127.0.0.1:5 - "GET /invite/Zq3_kT-9xYw HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1:5 - "GET /invite/*** HTTP/1.1" 200'


def test_an_invite_does_not_change_an_existing_persons_role(
    client: TestClient, admin_headers: dict[str, str], make_token: Callable[..., str]
) -> None:
    make_token("viewer", email="known@example.com")
    body = {"email": "known@example.com", "role": "admin"}
    refused = client.post("/api/v1/users/invite", json=body, headers=admin_headers)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "role"
    body = {"email": "known@example.com"}
    same = client.post("/api/v1/users/invite", json=body, headers=admin_headers)
    assert same.status_code == 201 and same.json()["role"] == "viewer"
