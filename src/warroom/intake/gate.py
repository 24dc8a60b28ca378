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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from warroom import memo
from warroom.clock import Clock
from warroom.db import Database, describe, is_transient, retrying
from warroom.errors import Overloaded, PayloadTooLarge, WarroomError
from warroom.intake import state
from warroom.intake.schemas import check_text
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
    check_text(body, data)  # NUL and lone surrogates: 422 naming the field, not a 500 later
    return data


def _write_lock(db: Database) -> AbstractContextManager[Any]:
    # SQLite has one writer at a time; queueing here beats spinning in its busy handler and
    # avoids SQLITE_BUSY_SNAPSHOT when a read transaction tries to become a writer.
    if db.dialect != "sqlite":
        return nullcontext()
    with _locks_guard:
        return _locks.setdefault(db.url, threading.Lock())


def unit_of_work(app: FastAPI, work: Callable[[Session, Clock, IntakeConfig], T]) -> T:
    """Run `work` in one transaction and commit; 2xx only ever follows a commit.

    Transient database errors run the transaction again (`warroom.db.retrying`); when they
    persist the sender gets 503 with Retry-After. Any other database error is not transient
    and is answered as such (warroom.deps.RetryTransient), never as "busy, retry".
    """
    db: Database = app.state.db
    clock: Clock = app.state.clock

    def attempt() -> T:
        with _write_lock(db):
            session = db.sessions()
            try:
                memo.enable(session)  # intake writes no configuration: remember its reads
                result = work(session, clock, state.current(session))
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    try:
        return retrying(attempt, attempts=ATTEMPTS)
    except (DBAPIError, PoolTimeout) as exc:
        if not is_transient(exc):
            raise
        log.error("intake: database busy after %s attempts: %s", ATTEMPTS, describe(exc))
        raise Overloaded("the database is busy; retry", field=None) from None


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


def new_gate(app: FastAPI) -> None:
    app.state.intake_gate = Gate()


def gate_of(app: FastAPI) -> Gate:
    gate: Gate | None = getattr(app.state, "intake_gate", None)
    if gate is None:
        gate = app.state.intake_gate = Gate()
    return gate
