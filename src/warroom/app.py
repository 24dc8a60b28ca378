"""The FastAPI application factory: routers, error handlers (`assemble`), then settings,
database and clock (`bind`)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom import __version__, wiring
from warroom.clock import Clock, SystemClock
from warroom.db import Database
from warroom.deps import RETRY_AFTER_SECONDS, RetryTransient
from warroom.errors import WarroomError
from warroom.intake import api_opsgenie
from warroom.openapi import RefuseUnstorableText
from warroom.settings import Settings
from warroom.simulation import service as simulation_service

log = logging.getLogger("warroom")


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    routers: tuple[ModuleType, ...] | None = None,
) -> FastAPI:
    """Build the app; tests pass their own database and a FakeClock."""
    return bind(assemble(routers), settings, db=db, clock=clock)


def assemble(routers: tuple[ModuleType, ...] | None = None) -> FastAPI:
    """The app's structure: routes, middleware, error handlers and the domains' start-up and
    shutdown hooks. Nothing of it holds settings, a database or a clock (`bind` gives those),
    so an assembled app can be bound again: FastAPI prepares every route (~0.3 s) on an app's
    first request, and the tests bind one assembled app per test process instead of paying
    that for each test."""
    app = FastAPI(
        title="warroom",
        version=__version__,
        lifespan=_lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # /docs is served by warroom.web with packaged assets (offline)
        redoc_url=None,
    )
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    # The web config page plays ladders through it (warroom.web must not import warroom.wiring).
    app.state.simulation = simulation_service
    install_error_handlers(app)
    app.get("/healthz", tags=["health"])(healthz)
    wiring.install()
    wiring.include_routers(app, routers if routers is not None else wiring.ROUTERS)
    return app


# What `assemble` keeps on app.state; `bind` starts everything else afresh.
_ASSEMBLED = ("startup_hooks", "shutdown_hooks", "simulation", "authenticate")


def bind(
    app: FastAPI,
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Give an assembled app (not running) its settings, database and clock; any other state
    of an earlier binding (the intake gate, the embedded worker) is dropped."""
    settings = settings or Settings()
    kept = {name: getattr(app.state, name) for name in _ASSEMBLED if hasattr(app.state, name)}
    app.state = State()
    for name, value in kept.items():
        setattr(app.state, name, value)
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    # A serving process owns its database; a test's stays the test's.
    app.state.owns_db = db is None
    app.state.clock = clock or SystemClock()
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    for hook in app.state.startup_hooks:
        hook(app)
    if app.state.owns_db:
        # A serving process: what start-up built lives as long as the process, so keep it
        # out of the collector's full passes (they showed as ~150 ms spikes on busy pages).
        gc.collect()
        gc.freeze()
    yield
    for hook in app.state.shutdown_hooks:
        hook(app)
    if app.state.owns_db:
        app.state.db.dispose()


def healthz(request: Request) -> dict[str, Any]:
    database: Database = request.app.state.db
    with database.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": database.dialect}


def _error(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}},
        status_code=status,
        headers=headers,
    )


def _field_of(loc: Any) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    # Transient database errors: the request runs again; what still fails is a JSON 4xx/5xx.
    app.add_middleware(RetryTransient)
    # Text no database can store (NUL, a lone UTF-16 surrogate) is a 422 naming the field.
    app.add_middleware(RefuseUnstorableText)

    @app.exception_handler(WarroomError)
    async def warroom_error(_: Request, exc: WarroomError) -> JSONResponse:
        busy = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.status_code == 503 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=busy)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _field_of(first.get("loc", ()))
        message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
        return _error(422, "invalid", message, field or None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and request.url.path.startswith(api_opsgenie.PATH_PREFIX):
            return api_opsgenie.no_route(str(exc.detail))
        codes = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
        }
        return _error(
            exc.status_code,
            codes.get(exc.status_code, "error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )
