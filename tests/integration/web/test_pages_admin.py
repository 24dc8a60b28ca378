"""The admin pages (issue 13): admins only; people (role, deactivate/reactivate, invite link)
and API tokens (list with prefix and last use, mint with the secret shown once, revoke)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.web.conftest import sign_in
from warroom.auth.models import ApiToken, User
from warroom.db import Database
from warroom.notify.models import Message

PAGE = "/ui/admin"


def messages(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(select(Message.purpose, Message.url)).all()
        return [(str(r.purpose), str(r.url)) for r in rows]


def user(db: Database, email: str) -> User:
    with db.session() as session:
        found = session.scalar(select(User).where(User.email == email))
        assert found is not None
        session.expunge(found)
        return found


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_admin_pages_are_refused_below_admin(
    client: TestClient,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
    role: str,
) -> None:
    me = ui_login(client, role)
    assert client.get(PAGE).status_code == 403
    token = csrf(client, "/ui/services")
    posts = [
        (f"{PAGE}/tokens", {"name": "mine"}),
        (f"{PAGE}/tokens/1/revoke", {}),
        (f"{PAGE}/users/{me.user_id}/role", {"role": "admin"}),
        (f"{PAGE}/users/{me.user_id}/active", {"active": "0"}),
        (f"{PAGE}/invites", {"email": "new@example.com"}),
    ]
    for path, data in posts:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert 'href="/ui/admin"' not in client.get("/ui/services").text  # no link in the menu


def test_mint_shows_the_secret_once_and_revoke_stops_it(
    client: TestClient,
    db: Database,
    ui_login: Callable[..., Any],
    make_ui_user: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    ui_login(client, "admin")
    other = make_ui_user("responder", "ops@example.com")
    token = csrf(client, PAGE)
    minted = client.post(
        f"{PAGE}/tokens",
        data={"csrf_token": token, "name": "ci deploys", "user_email": other.email},
    )
    assert minted.status_code == 200
    assert minted.headers["cache-control"] == "no-store"
    secret = re.search(r'id="minted-secret" type="text" readonly value="([^"]+)"', minted.text)
    assert secret
    plaintext = secret.group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert me.status_code == 200 and me.json()["email"] == other.email
    with db.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == "ci deploys"))
        assert row is not None and row.token_hash != plaintext and row.role == "responder"
        token_id, prefix = row.id, row.prefix
    listing = client.get(PAGE).text
    assert plaintext not in listing  # shown once
    assert f"<code>{prefix}…</code> ci deploys" in listing
    assert f'<tr data-token="{token_id}">' in listing

    revoked = client.post(
        f"{PAGE}/tokens/{token_id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert "revoked" in client.get(PAGE).text
    again = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert again.status_code == 401


def test_a_refused_mint_names_the_field(
    client: TestClient,
    db: Database,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    ui_login(client, "admin")
    token = csrf(client, PAGE)
    for data, text in [
        ({"name": ""}, "name is required"),
        ({"name": "x", "user_email": "ghost@example.com"}, "no user with email"),
        ({"name": "x", "role": "root"}, "unknown role"),
    ]:
        answer = client.post(f"{PAGE}/tokens", data={"csrf_token": token, **data})
        assert answer.status_code in (403, 404, 422), data
        error = re.search(r'id="token-error">(.*?)</p>', answer.text, re.S)
        assert error and text in html.unescape(error.group(1)), data
    with db.session() as session:
        assert session.scalars(select(ApiToken)).all() == []


def test_role_change_deactivation_and_the_guards(
    app: Any,
    client: TestClient,
    db: Database,
    ui_login: Callable[..., Any],
    make_ui_user: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    admin = ui_login(client, "admin")
    pat = make_ui_user("responder", "pat@example.com")
    with TestClient(app) as pats_browser:
        assert sign_in(pats_browser, pat.email).status_code == 303
        assert pats_browser.get("/ui/services").status_code == 200
        token = csrf(client, PAGE)
        changed = client.post(
            f"{PAGE}/users/{pat.user_id}/role",
            data={"csrf_token": token, "role": "viewer"},
            follow_redirects=False,
        )
        assert changed.status_code == 303
        assert user(db, pat.email).role == "viewer"
        assert "pat@example.com is now viewer" in client.get(PAGE).text

        client.post(f"{PAGE}/users/{pat.user_id}/active", data={"csrf_token": token, "active": "0"})
        assert user(db, pat.email).active is False
        # Deactivated: their browser is signed out.
        assert pats_browser.get("/ui/services", follow_redirects=False).status_code == 303
        client.post(f"{PAGE}/users/{pat.user_id}/active", data={"csrf_token": token, "active": "1"})
        assert user(db, pat.email).active is True

    # Nobody demotes or deactivates themselves (nor the last admin).
    for path, data in [("role", {"role": "viewer"}), ("active", {"active": "0"})]:
        page = client.post(
            f"{PAGE}/users/{admin.user_id}/{path}", data={"csrf_token": token, **data}
        ).text  # the redirect is followed: the flash is on the admin page
        assert "you cannot change your own role or deactivate yourself" in page
    mine = user(db, admin.email)
    assert (mine.role, mine.active) == ("admin", True)


def test_invite_link_is_shown_once_and_opens_the_invite_page(
    client: TestClient,
    db: Database,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    ui_login(client, "admin")
    token = csrf(client, PAGE)
    answer = client.post(
        f"{PAGE}/invites",
        data={"csrf_token": token, "email": "New.Person@example.com", "role": "responder"},
    )
    assert answer.status_code == 200
    link = re.search(r'id="invite-url" type="text" readonly value="([^"]+)"', answer.text)
    assert link and "/invite/" in link.group(1)
    assert user(db, "new.person@example.com").role == "responder"
    assert messages(db) == []  # not e-mailed unless asked
    path = "/invite/" + link.group(1).rsplit("/invite/", 1)[1]
    client.cookies.clear()
    assert client.get(path).status_code == 200
    ui_login(client, "admin")
    token = csrf(client, PAGE)
    mailed = client.post(
        f"{PAGE}/invites", data={"csrf_token": token, "email": "ann@example.com", "send": "1"}
    )
    assert mailed.status_code == 200 and "It is being e-mailed to ann@example.com" in mailed.text
    [(purpose, address)] = messages(db)
    assert purpose == "invite" and "to=ann@example.com" in address
    bad = client.post(f"{PAGE}/invites", data={"csrf_token": token, "email": "not-an-address"})
    assert bad.status_code == 422 and "is not an e-mail address" in html.unescape(bad.text)
