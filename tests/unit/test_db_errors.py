"""A database error's text never reaches an HTTP answer.

PostgreSQL's messages carry row values ("DETAIL:  Key (email)=(someone@example.com) already
exists", 'invalid input syntax for type integer: "..."') and SQLAlchemy's add the statement and
its parameters. The real app, on the real PostgreSQL, answers each with a fixed message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import text

from warroom.app import create_app
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.deps import SessionDep
from warroom.settings import Settings

VICTIM = "victim-7f3a@example.com"
ROW_VALUE = "row-value-9c1e"


def _app(pg_db: Database, clock: FakeClock, tmp_path: object) -> TestClient:
    settings = Settings(database_url=pg_db.url, secret_key="test-secret", data_dir=tmp_path)
    app = create_app(settings, db=pg_db, clock=clock)
    router = APIRouter()

    @router.post("/test/duplicate-user")
    def duplicate_user(session: SessionDep) -> None:
        session.add(User(email=VICTIM, name="Copy", role="viewer", created_at=clock.now()))
        session.commit()  # unique violation: DETAIL names the victim's e-mail

    @router.post("/test/bad-value")
    def bad_value(session: SessionDep) -> None:
        session.execute(text("SELECT CAST(:v AS integer)"), {"v": ROW_VALUE})

    @router.post("/test/other-error")
    def other_error(session: SessionDep) -> None:
        session.execute(text("SELECT no_such_column FROM users WHERE email = :v"), {"v": ROW_VALUE})

    app.include_router(router)
    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/test/duplicate-user", 409, "conflict"),
        ("/test/bad-value", 422, "invalid"),
        ("/test/other-error", 500, "internal"),
    ],
)
def test_database_errors_are_answered_without_their_text(
    pg_db: Database,
    clock: FakeClock,
    tmp_path: object,
    caplog: pytest.LogCaptureFixture,
    path: str,
    status: int,
    code: str,
) -> None:
    with pg_db.session() as session:
        session.add(User(email=VICTIM, name="Victim", role="viewer", created_at=clock.now()))
    client = _app(pg_db, clock, tmp_path)
    with caplog.at_level(logging.INFO, logger="warroom"), client:
        answer = client.post(path)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    shown: Callable[[str], bool] = answer.text.lower().__contains__
    leaks = (VICTIM, ROW_VALUE, "detail", "key (", "sql", "psycopg", "select", "column", "$1")
    for leak in leaks:
        assert not shown(leak.lower()), f"{path} answer shows {leak!r}: {answer.text}"
    # The server log names the error (its first line) for whoever runs warroom.
    assert any(path in r.getMessage() and "error" in r.getMessage() for r in caplog.records)
