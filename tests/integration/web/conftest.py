"""Web UI test helpers: sign a TestClient in, read a form's CSRF token.

`ui_login(client, role="responder")` creates a person with a password and signs the client
in (the session cookie stays in the client); `csrf(client, path)` fetches a page and returns
the csrf_token of its first form.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.auth import service as auth_service
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class UiUser:
    user_id: int
    email: str
    role: str
    password: str = PASSWORD


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a csrf_token"
    return found.group(1)


@pytest.fixture
def csrf() -> Callable[[TestClient, str], str]:
    def fetch(client: TestClient, path: str = "/login") -> str:
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        return csrf_of(page.text)

    return fetch


MakeUser = Callable[..., UiUser]


@functools.cache
def _password_hash() -> str:
    """PASSWORD's argon2id hash, made once per test process (a hash takes ~0.2 s, by design);
    signing in still verifies it each time."""
    return hash_password(PASSWORD)


@pytest.fixture
def make_ui_user(db: Database, clock: FakeClock) -> MakeUser:
    """A person with a password (not signed in)."""

    def make(role: str = "responder", email: str | None = None, name: str = "Pat") -> UiUser:
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.com"
        with db.session() as session:
            user = auth_service.ensure_user(session, clock, email=email, name=name, role=role)
            user.password_hash = _password_hash()
            session.flush()
            return UiUser(user.id, user.email, user.role)

    return make


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next: str = "/") -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


@pytest.fixture
def ui_login(make_ui_user: MakeUser) -> Callable[..., UiUser]:
    def login(client: TestClient, role: str = "responder", email: str | None = None) -> UiUser:
        user = make_ui_user(role, email)
        answer = sign_in(client, user.email)
        assert answer.status_code == 303, answer.text
        return user

    return login
