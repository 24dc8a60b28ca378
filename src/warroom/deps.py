"""FastAPI dependencies shared by every router: session, clock, settings, the caller."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from warroom import db as db_module
from warroom.clock import Clock
from warroom.db import Database
from warroom.errors import Forbidden, Unauthorized
from warroom.principal import Principal
from warroom.settings import Settings

log = logging.getLogger("warroom")


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; routes commit explicitly, anything else is rolled back."""
    session = get_db(request).sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def get_principal(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("missing credential: send 'Authorization: Bearer <token>'")
    # The authenticator is handed over by the composition root (warroom.wiring), so that
    # request dependencies need not import the auth domain that uses them.
    principal = request.app.state.authenticate(session, clock, token)
    if principal is None:
        raise Unauthorized("invalid or revoked token")
    session.commit()  # persists last_used_at, if it moved
    return principal


def require(role: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through callers whose role is at least `role`."""

    # async: a pure check, so FastAPI need not hop to a worker thread for it.
    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.allows(role):
            raise Forbidden(f"this needs the {role} role; your token has {principal.role}")
        return principal

    return check


SessionDep = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Viewer = Annotated[Principal, Depends(require("viewer"))]
Responder = Annotated[Principal, Depends(require("responder"))]
Admin = Annotated[Principal, Depends(require("admin"))]


# -- the unit of work of every route: transient database errors are retried, never a 500 -------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RETRY_AFTER_SECONDS = 1


class RetryTransient:
    """ASGI middleware: run the request again when its transaction hit a transient error.

    A route is one transaction (its session commits once), so running the whole request
    again is the retry of the unit of work. The request body is replayed from what the first
    attempt read. Once the response has started nothing is retried. What still fails is
    answered as JSON: 503 with Retry-After when retries ran out, 409 for a constraint that a
    concurrent writer won, 422 for a value the database refuses, 500 otherwise; the log line
    never carries the SQL or its parameters.
    """

    def __init__(self, app: ASGIApp, attempts: int = db_module.RETRY_ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen: list[Message] = []
        started = False

        async def recording_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        for attempt in range(1, self.attempts + 1):
            try:
                await self.app(scope, _replaying(seen, receive), recording_send)
                return
            except (DBAPIError, PoolTimeout) as exc:
                if started:
                    raise
                transient = db_module.is_transient(exc)
                if transient and attempt < self.attempts:
                    log.info(
                        "%s %s: transient database error, retrying (attempt %s): %s",
                        scope.get("method"),
                        scope.get("path"),
                        attempt,
                        db_module.describe(exc),
                    )
                    await anyio.sleep(db_module.backoff(attempt))
                    continue
                await _database_error(exc, transient, scope, send)
                return


def _replaying(seen: list[Message], receive: Receive) -> Receive:
    """A receive that hands out the messages an earlier attempt read, then reads on."""
    replay = iter(list(seen))

    async def receive_again() -> Message:
        for message in replay:
            return message
        message = await receive()
        seen.append(message)
        return message

    return receive_again


async def _database_error(exc: Exception, transient: bool, scope: Scope, send: Send) -> None:
    route = f"{scope.get('method')} {scope.get('path')}"
    headers: dict[str, str] | None = None
    if transient:
        status, code, message = 503, "overloaded", "the database is busy; retry"
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        log.warning("%s: database busy after retries: %s", route, db_module.describe(exc))
    elif isinstance(exc, IntegrityError):
        status, code, message = 409, "conflict", "a concurrent change conflicts with this one"
        log.warning("%s: integrity error: %s", route, db_module.describe(exc))
    elif isinstance(exc, DataError):
        status, code, message = 422, "invalid", "a value is out of range or malformed"
        log.warning("%s: data error: %s", route, db_module.describe(exc))
    else:
        status, code, message = 500, "internal", "a database error; it has been logged"
        log.error("%s: database error: %s", route, db_module.describe(exc))
    body = {"error": {"code": code, "message": message, "field": None}}
    response = JSONResponse(body, status_code=status, headers=headers)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
