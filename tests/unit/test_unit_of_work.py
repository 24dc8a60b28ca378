"""The one retry rule: transient database errors run the request (or transaction) again;
what still fails is answered as JSON with the right status, never a raw 500."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from warroom.db import is_transient, retrying
from warroom.deps import RetryTransient


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def locked() -> OperationalError:
    return OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))


def pg(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE x", {}, PgError(sqlstate))


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (locked(), True),
        (pg("40P01"), True),  # deadlock
        (pg("40001"), True),  # serialization failure
        (pg("08006"), True),  # connection failure
        (pg("22003"), False),  # numeric value out of range: permanent
        (IntegrityError("INSERT", {}, PgError("23505")), False),
        (ValueError("not a database error"), False),
    ],
)
def test_is_transient(exc: Exception, transient: bool) -> None:
    assert is_transient(exc) is transient


def test_retrying_runs_again_then_gives_up() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise locked()
        return "stored"

    assert retrying(flaky, sleep=lambda _: None) == "stored" and len(calls) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        retrying(lambda: (calls.append(1), (_ for _ in ()).throw(locked())), sleep=lambda _: None)
    assert len(calls) == 4
    with pytest.raises(DataError):
        retrying(lambda: (_ for _ in ()).throw(DataError("x", {}, PgError("22003"))))


def _app(failures: list[Exception]) -> tuple[FastAPI, list[bytes]]:
    app = FastAPI()
    app.add_middleware(RetryTransient)
    bodies: list[bytes] = []

    @app.post("/work")
    async def work(request: Request) -> dict[str, int]:
        bodies.append(await request.body())
        if failures:
            raise failures.pop(0)
        return {"attempts": len(bodies)}

    return app, bodies


def test_a_transient_error_runs_the_request_again_with_its_body() -> None:
    app, bodies = _app([locked(), pg("40P01")])
    r = TestClient(app).post("/work", content=b'{"alert": 1}')
    assert r.status_code == 200 and r.json() == {"attempts": 3}
    assert bodies == [b'{"alert": 1}'] * 3


def test_retries_exhausted_is_503_with_retry_after() -> None:
    app, bodies = _app([locked() for _ in range(4)])
    r = TestClient(app, raise_server_exceptions=False).post("/work", content=b"x")
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert r.json()["error"]["code"] == "overloaded" and len(bodies) == 4


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (IntegrityError("INSERT", {}, PgError("23505")), 409),
        (DataError("INSERT", {}, PgError("22003")), 422),
        (OperationalError("SELECT", {}, PgError("42P01")), 500),
    ],
)
def test_permanent_errors_are_answered_once_as_json(exc: Exception, status: int) -> None:
    app, bodies = _app([exc])
    r = TestClient(app, raise_server_exceptions=False).post("/work", content=b"x")
    assert r.status_code == status and len(bodies) == 1
    assert "retry-after" not in r.headers and set(r.json()["error"]) == {"code", "message", "field"}
