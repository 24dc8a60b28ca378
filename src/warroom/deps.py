"""FastAPI dependencies shared by every router: session, clock, settings, the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from warroom.auth.service import Principal, authenticate
from warroom.clock import Clock
from warroom.db import Database
from warroom.errors import Forbidden, Unauthorized
from warroom.settings import Settings


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
    principal = authenticate(session, clock, token)
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
