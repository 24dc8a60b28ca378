"""The FastAPI application factory: settings, database, clock, routers, error handlers."""

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
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom import __version__, wiring
from warroom.clock import Clock, SystemClock
from warroom.db import Database
from warroom.deps import RETRY_AFTER_SECONDS, RetryTransient
from warroom.errors import WarroomError
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
    settings = settings or Settings()
    database = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hook in app.state.startup_hooks:
            hook(app)
        if db is None:
            # A serving process: what start-up built lives as long as the process, so keep it
            # out of the collector's full passes (they showed as ~150 ms spikes on busy pages).
            gc.collect()
            gc.freeze()
        yield
        for hook in app.state.shutdown_hooks:
            hook(app)
        if db is None:
            database.dispose()

    app = FastAPI(
        title="warroom",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # /docs is served by warroom.web with packaged assets (offline)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock or SystemClock()
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    # The web config page plays ladders through it (warroom.web must not import warroom.wiring).
    app.state.simulation = simulation_service
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": database.dialect}

    wiring.install()
    wiring.include_routers(app, routers if routers is not None else wiring.ROUTERS)
    return app


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
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
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
