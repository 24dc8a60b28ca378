"""Guesses sent at the same time each count towards the sign-in limits before any password is
checked: a burst of wrong passwords gets no more checks than WARROOM_LOGIN_MAX_FAILURES_PER_ACCOUNT.

Before, the limit was read, then the password checked (argon2, the slow part), then the failure
written: every guess already in flight had read "under the limit", so a burst of N guesses got N
checks whatever the limit. Forced on PostgreSQL: the first guess stops right after reading the
count; the second must wait for it, then is refused. On SQLite the count is read inside the
write transaction (another writer is locked out at that moment)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import BindApp
from tests.integration.concurrency.world import Pause, Run, WriteProbe, paused, wait_blocked_or_done
from tests.integration.web.conftest import PASSWORD, csrf_of
from warroom.auth import service as auth_service
from warroom.auth.models import LoginFailure, WebSession
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.settings import Settings

# The limit's count of the account's earlier attempts.
COUNT = r"SELECT count\(\*\).*FROM login_failures"


def _browser(bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any) -> TestClient:
    settings = Settings(
        database_url=db.url,
        secret_key="test-secret",
        data_dir=tmp_path,
        login_max_failures_per_account=1,
    )
    return TestClient(bind_app(settings, db, clock))


@pytest.fixture
def pg_browser(
    bind_app: BindApp, pg_db: Database, clock: FakeClock, tmp_path: Any
) -> Iterator[TestClient]:
    with _browser(bind_app, pg_db, clock, tmp_path) as client:
        yield client


@pytest.fixture
def lite_browser(
    bind_app: BindApp, sqlite_db: Database, clock: FakeClock, tmp_path: Any
) -> Iterator[TestClient]:
    with _browser(bind_app, sqlite_db, clock, tmp_path) as client:
        yield client


def _guess(client: TestClient, email: str, token: str, password: str = "wrong guess 12") -> Any:
    data = {"email": email, "password": password, "csrf_token": token, "next": "/"}
    return client.post("/login", data=data, follow_redirects=False)


def _account_failures(db: Database) -> int:
    with db.session() as session:
        query = select(func.count(LoginFailure.id)).where(LoginFailure.key.startswith("email:"))
        return int(session.scalar(query) or 0)


def _person(db: Database, clock: FakeClock) -> str:
    with db.session() as session:
        user = auth_service.ensure_user(
            session, clock, email="target@example.com", name="T", role="admin"
        )
        user.password_hash = hash_password(PASSWORD)
    return user.email


def test_two_guesses_at_once_are_two_attempts_of_the_limit(
    pg_browser: TestClient, pg_db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="warroom")
    pg_person = _person(pg_db, clock)
    token = csrf_of(pg_browser.get("/login").text)
    first: list[int] = []
    pause = Pause(COUNT, only=lambda: not first)
    with paused(pg_db, pause):
        one = Run(lambda: _guess(pg_browser, pg_person, token))
        one.start()
        pause.wait_reached()  # guess one read the count and has not checked its password
        first.append(-1)
        two = Run(lambda: _guess(pg_browser, pg_person, token))
        two.start()
        blocked = wait_blocked_or_done(pg_db, two)
        pause.resume()
        answers = sorted([one.outcome().status_code, two.outcome().status_code])
    assert answers == [401, 429], "a limit of 1 let both guesses be checked"
    assert blocked, "the second guess waits for the first"
    assert _account_failures(pg_db) == 1
    # The right password now is refused too, until the window has passed.
    assert _guess(pg_browser, pg_person, token, PASSWORD).status_code == 429
    assert not [r for r in caplog.records if "transient" in r.getMessage()]


def test_sqlite_counts_the_attempt_inside_the_write_transaction(
    lite_browser: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    email = _person(sqlite_db, clock)
    token = csrf_of(lite_browser.get("/login").text)
    probe = WriteProbe(sqlite_db)
    pause = Pause(COUNT)
    pause.inside = probe
    with paused(sqlite_db, pause):
        one = Run(lambda: _guess(lite_browser, email, token))
        one.start()
        pause.wait_reached()
        pause.resume()
        assert one.outcome().status_code == 401
    assert probe.locked_out, "another guess could have been counted between read and write"
    assert _guess(lite_browser, email, token, PASSWORD).status_code == 429
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count(WebSession.id))) == 0
