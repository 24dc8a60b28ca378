"""Signing in to the web UI (issue 13): passwords, session cookies, CSRF, rate limits, expiry."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import BindApp
from tests.integration.web.conftest import PASSWORD, MakeUser, csrf_of, sign_in
from warroom.auth import service as auth_service
from warroom.auth.models import WebSession
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.settings import Settings


def _session_cookie(answer: Any) -> str:
    cookies = [c for c in answer.headers.get_list("set-cookie") if c.startswith("warroom_session=")]
    assert len(cookies) == 1, answer.headers
    return cookies[0]


def test_a_right_password_signs_in_with_a_safe_cookie(
    client: TestClient, make_ui_user: MakeUser, db: Database
) -> None:
    user = make_ui_user("responder")
    answer = sign_in(client, user.email.upper())  # e-mail addresses are not case-sensitive
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = _session_cookie(answer)
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http here; see the https test below
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 40
    with db.session() as session:
        stored = session.scalars(select(WebSession.token_hash)).all()
    assert stored == [hashlib.sha256(value.encode()).hexdigest()]  # only the hash is kept
    page = client.get("/")
    assert page.status_code == 200 and user.email in page.text


def test_the_cookie_is_secure_when_warroom_is_served_over_https(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any, make_ui_user: MakeUser
) -> None:
    settings = Settings(
        database_url=db.url, secret_key="k", data_dir=tmp_path, public_url="https://wr.example"
    )
    user = make_ui_user("viewer")
    app = bind_app(settings, db, clock)
    with TestClient(app, base_url="https://testserver") as https_client:
        answer = sign_in(https_client, user.email)
    assert answer.status_code == 303
    assert "secure" in [p.strip().lower() for p in _session_cookie(answer).split(";")]
    # Behind a TLS-terminating proxy the request is http, WARROOM_PUBLIC_URL says https.
    with TestClient(app) as proxied:
        assert "Secure" in proxied.get("/login").headers["set-cookie"]


@pytest.mark.parametrize("who", ["wrong password", "no such account", "no password set"])
def test_a_failed_sign_in_says_the_same_whatever_the_reason(
    who: str, client: TestClient, make_ui_user: MakeUser, db: Database, clock: FakeClock
) -> None:
    user = make_ui_user("responder")
    email, password = user.email, "not the password"
    if who == "no such account":
        email, password = "nobody@example.com", PASSWORD
    elif who == "no password set":
        with db.session() as session:
            auth_service.ensure_user(
                session, clock, email="tok@example.com", name="T", role="admin"
            )
        email, password = "tok@x.com", ""
    answer = sign_in(client, email, password)
    assert answer.status_code == 401
    assert "wrong e-mail or password" in answer.text
    assert "warroom_session=" not in answer.headers.get("set-cookie", "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, make_ui_user: MakeUser, ui_login: Callable[..., Any]
) -> None:
    user = make_ui_user("responder")
    data = {"email": user.email, "password": PASSWORD}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    forged = data | {"csrf_token": "A" * 43}
    refused = client.post("/login", data=forged, follow_redirects=False)
    assert refused.status_code == 403 and "another site" in refused.text
    # A token from another browser does not work in this one.
    with TestClient(client.app) as other:
        other_token = csrf_of(other.get("/login").text)
    stolen = data | {"csrf_token": other_token}
    assert client.post("/login", data=stolen, follow_redirects=False).status_code == 403
    ui_login(client, "responder")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_logout_ends_the_session(
    client: TestClient, ui_login: Callable[..., Any], db: Database
) -> None:
    ui_login(client, "viewer")
    old_cookie = client.cookies.get("warroom_session")
    token = csrf_of(client.get("/").text)
    answer = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert 'warroom_session=""' in answer.headers["set-cookie"] or "Max-Age=0" in str(
        answer.headers.get_list("set-cookie")
    )
    assert "You are signed out." in client.get("/login").text
    assert client.get("/", follow_redirects=False).status_code == 303
    # The old cookie, replayed, does not work any more: the session ended on the server.
    with TestClient(client.app, cookies={"warroom_session": old_cookie or ""}) as replay:
        assert replay.get("/", follow_redirects=False).status_code == 303
    with db.session() as session:
        assert all(s.ended_at is not None for s in session.scalars(select(WebSession)))


def test_sign_in_is_rate_limited_per_account_then_works_after_the_window(
    client: TestClient, make_ui_user: MakeUser, clock: FakeClock
) -> None:
    user = make_ui_user("responder")
    for _ in range(5):
        assert sign_in(client, user.email, "guess-guess").status_code == 401
    limited = sign_in(client, user.email, PASSWORD)  # even the right password
    assert limited.status_code == 429
    assert "too many failed sign-ins" in limited.text and "15 minutes" in limited.text
    other = make_ui_user("responder")
    assert sign_in(client, other.email).status_code == 303  # other accounts are unaffected
    clock.advance(timedelta(seconds=901))
    answer = sign_in(client, user.email, PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_sign_in_is_rate_limited_per_client_address(
    client: TestClient, make_ui_user: MakeUser, clock: FakeClock
) -> None:
    for n in range(20):  # one failure each on 20 accounts: no account reaches its own limit
        assert sign_in(client, f"nobody{n}@example.com", "guess-guess").status_code == 401
    user = make_ui_user("viewer")
    limited = sign_in(client, user.email)
    assert limited.status_code == 429 and "from this address" in limited.text
    clock.advance(timedelta(minutes=16))
    assert sign_in(client, user.email).status_code == 303


@pytest.mark.parametrize(
    "next_value",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
     "http:/evil.example", "/%0d%0aSet-Cookie:x"],
)  # fmt: skip
def test_next_only_leads_to_a_local_path(
    next_value: str, client: TestClient, make_ui_user: MakeUser
) -> None:
    user = make_ui_user("viewer")
    answer = sign_in(client, user.email, next=next_value)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location == "/" or (location.startswith("/") and not location.startswith("//"))
    assert "evil" not in location and "\n" not in location


def test_a_page_asks_for_sign_in_and_comes_back_after_it(
    client: TestClient, make_ui_user: MakeUser
) -> None:
    answer = client.get("/ui/events?incident=3", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/ui/events%3Fincident%3D3"
    page = client.get(answer.headers["location"])
    assert 'name="next" value="/ui/events?incident=3"' in page.text
    user = make_ui_user("viewer")
    signed_in = sign_in(client, user.email, next="/ui/incidents?status=open")
    assert signed_in.headers["location"] == "/ui/incidents?status=open"
    # Signed in, the login page sends the person on.
    again = client.get("/login?next=/ui/alerts", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/ui/alerts"


def test_sessions_expire_when_idle_and_at_the_latest_after_the_maximum(
    client: TestClient, ui_login: Callable[..., Any], clock: FakeClock
) -> None:
    who = ui_login(client, "viewer")
    clock.advance(timedelta(hours=7, minutes=59))
    assert client.get("/", follow_redirects=False).status_code == 200  # use resets idleness
    clock.advance(timedelta(hours=7, minutes=59))
    assert client.get("/", follow_redirects=False).status_code == 200
    stale = client.cookies.get("warroom_session") or ""
    clock.advance(timedelta(hours=8, seconds=1))
    assert client.get("/", follow_redirects=False).status_code == 303  # idle too long
    # A browser that comes straight to the login form with the expired cookie can sign in.
    with TestClient(client.app, cookies={"warroom_session": stale}) as browser:
        form = browser.get("/login")
        dropped = [c for c in form.headers.get_list("set-cookie") if "warroom_session" in c]
        assert dropped and "Max-Age=0" in dropped[0]
        data = {"email": who.email, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
        assert browser.post("/login", data=data, follow_redirects=False).status_code == 303

    ui_login(client, "viewer")
    for _ in range(7 * 24 // 4 - 1):  # busy all week: a request every 4 hours
        clock.advance(timedelta(hours=4))
        assert client.get("/", follow_redirects=False).status_code == 200
    clock.advance(timedelta(hours=4, seconds=1))
    assert client.get("/", follow_redirects=False).status_code == 303  # 7 days after sign-in


def test_a_deactivated_person_loses_their_session(
    client: TestClient, ui_login: Callable[..., Any], db: Database
) -> None:
    user = ui_login(client, "admin")
    assert client.get("/", follow_redirects=False).status_code == 200
    with db.session() as session:
        auth_service.get_user_by_email(session, user.email).active = False
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client, user.email).status_code == 401  # and cannot sign in again


def test_a_session_cookie_is_no_credential_for_the_json_api(
    client: TestClient, ui_login: Callable[..., Any]
) -> None:
    ui_login(client, "admin")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/incidents").status_code == 401


def test_ui_pages_carry_the_security_headers(client: TestClient) -> None:
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in page.text and " on" + "click=" not in page.text  # no inline JS
    for name in ("warroom.css", "warroom.js"):
        asset = client.get(f"/ui/static/{name}")
        assert asset.status_code == 200 and len(asset.content) > 500, name
    assert client.get("/ui/static/../api.py").status_code == 404


@pytest.mark.parametrize("field", ["email", "password"])
def test_an_over_long_email_or_password_is_a_failed_sign_in_on_the_form(
    field: str, client: TestClient, make_ui_user: MakeUser
) -> None:
    """An e-mail address over 320 characters or a password over 1024 (a paste gone wrong) was
    a bare '422 email: String should have at most 320 characters' page without the form; it
    is the login form again, with the same answer as any failed sign-in."""
    user = make_ui_user("viewer")
    sent = {"email": user.email, "password": PASSWORD}
    sent[field] = "x" * 2000
    answer = sign_in(client, sent["email"], sent["password"])
    assert answer.status_code == 401
    assert "wrong e-mail or password" in answer.text
    assert 'name="password"' in answer.text  # the form, to try again
    assert "x" * 400 not in answer.text  # nothing of the paste is shown back
    assert sign_in(client, user.email).status_code == 303
