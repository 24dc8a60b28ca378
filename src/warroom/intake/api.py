"""Intake endpoints: Alertmanager/Grafana webhook, PagerDuty Events v2, Opsgenie Alert API and
warroom's generic JSON. Each reads a bounded body, authenticates, parses, stores in one
transaction and answers 2xx only after the commit."""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from warroom.auth.service import TOKEN_PREFIX, authenticate
from warroom.clock import Clock
from warroom.errors import Forbidden, Unauthorized, WarroomError
from warroom.intake import (
    alertmanager,
    api_alerts,
    credentials,
    generic,
    grafana,
    opsgenie,
    pagerduty,
    service,
)
from warroom.intake.gate import gate_of, parse_json, read_body
from warroom.intake.schemas import Batch
from warroom.intake.state import IntakeConfig

router = APIRouter(tags=["intake"])

WEBHOOK_TYPES = ("alertmanager", "grafana")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _limit(request: Request) -> int:
    return int(request.app.state.settings.max_body_bytes)


def _parse_later(fn: Any, *args: Any) -> tuple[Batch | None, WarroomError | None]:
    """Parse now, but report a bad payload only after the credential was checked."""
    try:
        return fn(*args), None
    except WarroomError as exc:
        return None, exc


# Grafana's webhook contact point may be set to PUT; each method needs its own operation id.
@router.put("/api/v1/intake/alertmanager", status_code=202, operation_id="intake_alertmanager_put")
@router.post("/api/v1/intake/alertmanager", status_code=202, operation_id="intake_alertmanager")
async def alertmanager_webhook(request: Request) -> JSONResponse:
    """Alertmanager v4 or Grafana v1 webhook, told apart by the body."""
    body = await read_body(request, _limit(request))
    data = parse_json(body)
    if not isinstance(data, dict):
        raise WarroomError("the body must be a JSON object", field="body")
    parser = grafana.parse if grafana.is_grafana(data) else alertmanager.parse
    batch, problem = _parse_later(parser, data)
    headers, client = request.headers, _client(request)

    def work(session: Session, clock: Clock, cfg: IntakeConfig) -> dict[str, Any]:
        secret = credentials.presented_secret(headers)
        info = credentials.by_secret(cfg, secret, WEBHOOK_TYPES) if secret else None
        if info is None:
            info = credentials.by_signature(cfg, headers, body)
        if info is None:
            credentials.rejected("alertmanager webhook", client, secret)
            raise Unauthorized("unknown or missing credential for this integration")
        if problem is not None or batch is None:
            raise problem or WarroomError("invalid payload")
        return service.ingest(session, clock, cfg, info.key, batch).to_json()

    result = await gate_of(request.app).run(request.app, work)
    return JSONResponse({"status": "success", **result}, status_code=202)


@router.post("/api/v1/intake/generic", status_code=202)
async def generic_intake(request: Request) -> JSONResponse:
    """warroom's own alert JSON; a responder API token or a generic integration's secret."""
    body = await read_body(request, _limit(request))
    batch, problem = _parse_later(generic.parse, parse_json(body))
    headers, client = request.headers, _client(request)

    def work(session: Session, clock: Clock, cfg: IntakeConfig) -> dict[str, Any]:
        secret = credentials.presented_secret(headers)
        integration = None
        if secret and secret.startswith(TOKEN_PREFIX):
            principal = authenticate(session, clock, secret)
            if principal is not None:
                if not principal.allows("responder"):
                    raise Forbidden("sending alerts needs the responder role")
                integration = "api"
        elif secret:
            info = credentials.by_secret(cfg, secret, ("generic",))
            integration = info.key if info else None
        if integration is None:
            credentials.rejected("generic intake", client, secret)
            raise Unauthorized("unknown or missing credential: send 'Authorization: Bearer <key>'")
        if problem is not None or batch is None:
            raise problem or WarroomError("invalid payload")
        return service.ingest(session, clock, cfg, integration, batch).to_json()

    result = await gate_of(request.app).run(request.app, work)
    return JSONResponse({"status": "accepted", **result}, status_code=202)


# ---- PagerDuty Events API v2 -----------------------------------------------------------------


def _pd_failure(exc: WarroomError) -> JSONResponse:
    """PagerDuty's error shape: 400 for any invalid event, otherwise the status as is."""
    status = 400 if exc.status_code == 422 else exc.status_code
    detail = exc.message
    if exc.field and exc.field not in detail:
        detail = f"{exc.field}: {detail}"
    message = "Event object is invalid" if status == 400 else exc.message
    return JSONResponse(pagerduty.error_body(message, [detail]), status_code=status)


@router.post("/v2/enqueue", status_code=202)
async def pagerduty_enqueue(request: Request) -> JSONResponse:
    """PagerDuty Events API v2: trigger, acknowledge, resolve; routing_key is the credential."""
    try:
        body = await read_body(request, _limit(request))
        data = parse_json(body)
        key = pagerduty.routing_key(data)
    except WarroomError as exc:
        return _pd_failure(exc)
    batch, problem = _parse_later(pagerduty.parse, data)
    client = _client(request)

    def work(session: Session, clock: Clock, cfg: IntakeConfig) -> str:
        info = credentials.by_secret(cfg, key, ("pagerduty",))
        if info is None:
            credentials.rejected("pagerduty enqueue", client, key)
            raise Unauthorized("unknown routing_key", field="routing_key")
        if problem is not None or batch is None:
            raise problem or WarroomError("invalid event")
        service.ingest(session, clock, cfg, info.key, batch)
        return batch.alerts[0].fingerprint

    try:
        dedup_key = await gate_of(request.app).run(request.app, work)
    except WarroomError as exc:
        return _pd_failure(exc)
    return JSONResponse(
        {"status": "success", "message": "Event processed", "dedup_key": dedup_key},
        status_code=202,
    )


# ---- Opsgenie Alert API -----------------------------------------------------------------------


async def _opsgenie(request: Request, build: Any) -> JSONResponse:
    started = time.perf_counter()
    request_id = str(uuid.uuid4())
    client = _client(request)
    headers = request.headers
    try:
        body = await read_body(request, _limit(request))
        data = parse_json(body) if body.strip() else None
        batch, problem = _parse_later(build, data)

        def work(session: Session, clock: Clock, cfg: IntakeConfig) -> None:
            secret = credentials.presented_secret(headers, scheme="geniekey")
            info = credentials.by_secret(cfg, secret, ("opsgenie",)) if secret else None
            if info is None:
                credentials.rejected("opsgenie", client, secret)
                raise Unauthorized("Key format is not valid!")
            if problem is not None or batch is None:
                raise problem or WarroomError("invalid request")
            status = batch.alerts[0].status
            if status == "update":
                return  # message/description edits: nothing to store
            if status != "firing":
                _resolve_identifier(session, info.key, request, batch)
            service.ingest(session, clock, cfg, info.key, batch)

        await gate_of(request.app).run(request.app, work)
    except WarroomError as exc:
        errors = {exc.field: exc.message} if exc.field else None
        message = (
            "Request body is not processable. Please check the errors."
            if exc.status_code == 422
            else exc.message
        )
        return JSONResponse(
            opsgenie.error_body(message, request_id, errors), status_code=exc.status_code
        )
    return JSONResponse(
        opsgenie.accepted(request_id, time.perf_counter() - started), status_code=202
    )


def _resolve_identifier(session: Session, integration: str, request: Request, batch: Batch) -> None:
    # identifierType=id (the default) names warroom's alert id; tiny ids are the same number.
    if request.query_params.get("identifierType", "id") in ("id", "tiny"):
        alert = batch.alerts[0]
        found = service.fingerprint_of(session, integration, alert.fingerprint)
        alert.fingerprint = found or alert.fingerprint


@router.post("/v2/alerts", status_code=202)
async def opsgenie_create(request: Request) -> JSONResponse:
    """Opsgenie: create an alert (an open alert with the same alias is only counted)."""
    return await _opsgenie(request, opsgenie.parse_create)


@router.post("/v2/alerts/{identifier}/close", status_code=202)
async def opsgenie_close(
    request: Request, identifier: str, identifierType: str = Query("id")
) -> JSONResponse:
    """Opsgenie: close the alert named by id or alias."""
    return await _opsgenie(
        request, lambda data: opsgenie.parse_action(identifier, identifierType, data, "resolved")
    )


@router.post("/v2/alerts/{identifier}/acknowledge", status_code=202)
async def opsgenie_acknowledge(
    request: Request, identifier: str, identifierType: str = Query("id")
) -> JSONResponse:
    """Opsgenie: acknowledge the alert named by id or alias."""
    return await _opsgenie(
        request,
        lambda data: opsgenie.parse_action(identifier, identifierType, data, "acknowledged"),
    )


@router.put("/v2/alerts/{identifier}/{part}", status_code=202)
async def opsgenie_update(request: Request, identifier: str, part: str) -> JSONResponse:
    """Opsgenie `update_alerts` (message, description): accepted; the alert keeps its text."""
    return await _opsgenie(
        request, lambda data: opsgenie.parse_action(identifier, "alias", data, "update")
    )


# Included last: the intake endpoints above are matched first, as they are the busiest routes.
router.include_router(api_alerts.router)


def setup(app: FastAPI) -> None:
    gate_of(app)
