"""The request plumbing intake endpoints share: a bounded body reader, back-pressure, and the
unit of work (one transaction per request, serialised on SQLite, retried on conflicts)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from warroom.clock import Clock
from warroom.db import Database
from warroom.errors import Invalid, Overloaded, PayloadTooLarge, WarroomError
from warroom.intake import state
from warroom.intake.state import IntakeConfig

T = TypeVar("T")
log = logging.getLogger("warroom.intake")

MAX_IN_FLIGHT = int(os.environ.get("WARROOM_INTAKE_MAX_IN_FLIGHT", "64"))
ATTEMPTS = 4

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class BadBody(WarroomError):
    status_code = 400
    code = "bad_request"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing with 413 as soon as it grows past `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body is larger than {limit} bytes", field="body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body is larger than {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise BadBody("the body is empty; send a JSON object", field="body")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadBody(f"the body is not valid JSON: {exc}", field="body") from None
    except RecursionError:
        raise BadBody("the body is nested too deeply", field="body") from None
    # PostgreSQL cannot store NUL in text or JSONB; refuse it here rather than fail later.
    if b"\\u0000" in body:
        raise Invalid("the body must not contain NUL characters (\\u0000)", field="body")
    return data


def _write_lock(db: Database) -> AbstractContextManager[Any]:
    # SQLite has one writer at a time; queueing here beats spinning in its busy handler and
    # avoids SQLITE_BUSY_SNAPSHOT when a read transaction tries to become a writer.
    if db.dialect != "sqlite":
        return nullcontext()
    with _locks_guard:
        return _locks.setdefault(db.url, threading.Lock())


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return any(s in text for s in ("deadlock", "could not serialize", "database is locked", "busy"))


def unit_of_work(app: FastAPI, work: Callable[[Session, Clock, IntakeConfig], T]) -> T:
    """Run `work` in one transaction and commit; 2xx only ever follows a commit."""
    db: Database = app.state.db
    clock: Clock = app.state.clock
    for attempt in range(ATTEMPTS):
        with _write_lock(db):
            session = db.sessions()
            try:
                result = work(session, clock, state.current(session))
                session.commit()
                return result
            except (OperationalError, DBAPIError) as exc:
                session.rollback()
                if not _retryable(exc) or attempt == ATTEMPTS - 1:
                    log.error("intake: database error, answering 503: %s", exc)
                    raise Overloaded("the database is busy; retry", field=None) from None
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
    raise Overloaded("the database is busy; retry")  # pragma: no cover


class Gate:
    """Back-pressure: at most MAX_IN_FLIGHT intake requests at once; the rest get 503."""

    def __init__(self, limit: int = MAX_IN_FLIGHT) -> None:
        self.limit = limit
        self.in_flight = 0

    async def run(self, app: FastAPI, work: Callable[[Session, Clock, IntakeConfig], T]) -> T:
        if self.in_flight >= self.limit:
            raise Overloaded(
                f"intake is at capacity ({self.limit} requests in flight); retry", field=None
            )
        self.in_flight += 1
        try:
            return await run_in_threadpool(unit_of_work, app, work)
        finally:
            self.in_flight -= 1


def gate_of(app: FastAPI) -> Gate:
    gate: Gate | None = getattr(app.state, "intake_gate", None)
    if gate is None:
        gate = app.state.intake_gate = Gate()
    return gate
