"""Intake endpoints: Alertmanager/Grafana webhook, PagerDuty Events v2, Opsgenie Alert API and
warroom's generic JSON. Each reads a bounded body, authenticates, parses, stores in one
transaction and answers 2xx only after the commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from warroom.auth.service import TOKEN_PREFIX, authenticate
from warroom.clock import Clock
from warroom.errors import Forbidden, Unauthorized, WarroomError
from warroom.intake import (
    alertmanager,
    api_alerts,
    api_opsgenie,
    changes,
    chunking,
    credentials,
    generic,
    grafana,
    pagerduty,
    service,
)
from warroom.intake.gate import gate_of, new_gate, parse_json, read_body
from warroom.intake.openapi_intake import generic_doc, pagerduty_doc, webhook_doc
from warroom.intake.state import IntakeConfig
from warroom.principal import Principal

router = APIRouter(tags=["intake"])
T = TypeVar("T")

WEBHOOK_TYPES = ("alertmanager", "grafana")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _limit(request: Request) -> int:
    return int(request.app.state.settings.max_body_bytes)


def _batch_limit(request: Request) -> int:
    """The webhook and generic endpoints carry whole groups (stored in bounded chunks)."""
    return int(request.app.state.settings.intake_max_body_bytes)


def _parse_later(fn: Callable[..., T], *args: Any) -> tuple[T | None, WarroomError | None]:
    """Parse now, but report a bad payload only after the credential was checked."""
    try:
        return fn(*args), None
    except WarroomError as exc:
        return None, exc


# Grafana's webhook contact point may be set to PUT; each method needs its own operation id.
@router.put(
    "/api/v1/intake/alertmanager",
    status_code=202,
    operation_id="intake_alertmanager_put",
    **webhook_doc(),
)
@router.post(
    "/api/v1/intake/alertmanager",
    status_code=202,
    operation_id="intake_alertmanager",
    **webhook_doc(),
)
async def alertmanager_webhook(request: Request) -> JSONResponse:
    """Alertmanager v4 or Grafana v1 webhook, told apart by the body."""
    body = await read_body(request, _batch_limit(request))
    data = parse_json(body)
    if not isinstance(data, dict):
        raise WarroomError("the body must be a JSON object", field="body")
    parser = grafana.parse if grafana.is_grafana(data) else alertmanager.parse
    batch, problem = _parse_later(parser, data)
    truncated, problem = _truncated(data, problem)
    headers, client = request.headers, _client(request)

    def authorise(session: Session, clock: Clock, cfg: IntakeConfig) -> str:
        secret = credentials.presented_secret(headers, scheme=None)  # any scheme (§1.6, §3.1)
        info = credentials.by_secret(cfg, secret, WEBHOOK_TYPES) if secret else None
        if info is None:
            info = credentials.by_signature(cfg, headers, body, clock.now())
        if info is None:
            credentials.rejected("alertmanager webhook", client, secret)
            raise Unauthorized("unknown or missing credential for this integration")
        if problem is not None or batch is None:
            raise problem or WarroomError("invalid payload")
        return info.key

    def finish(session: Session, clock: Clock, key: str, result: service.IngestResult) -> None:
        if truncated and batch is not None:
            numbers = result.incidents
            changes.record_truncated(session, clock, key, numbers, truncated, batch.group_key)

    # Large batches are stored in bounded transactions; the answer follows the last commit.
    result = await chunking.ingest(request.app, authorise, batch, finish)
    return JSONResponse({"status": "success", **result.to_json()}, status_code=202)


def _truncated(
    data: dict[str, Any], problem: WarroomError | None
) -> tuple[int, WarroomError | None]:
    try:
        return changes.truncated_count(data), problem
    except WarroomError as exc:
        return 0, problem or exc


@router.post("/api/v1/intake/generic", status_code=202, **generic_doc())
async def generic_intake(request: Request) -> JSONResponse:
    """warroom's own alert JSON; a responder API token or a generic integration's secret."""
    body = await read_body(request, _batch_limit(request))
    batch, problem = _parse_later(generic.parse, parse_json(body))
    headers, client = request.headers, _client(request)
    sender: list[Principal] = []  # the person whose token sent it (none: an integration)

    def authorise(session: Session, clock: Clock, cfg: IntakeConfig) -> str:
        secret = credentials.presented_secret(headers)
        integration = None
        if secret and secret.startswith(TOKEN_PREFIX):
            principal = authenticate(session, clock, secret)
            if principal is not None:
                if not principal.allows("responder"):
                    raise Forbidden("sending alerts needs the responder role")
                integration = "api"
                sender[:] = [principal]
        elif secret:
            info = credentials.by_secret(cfg, secret, ("generic",))
            integration = info.key if info else None
        if integration is None:
            credentials.rejected("generic intake", client, secret)
            raise Unauthorized("unknown or missing credential: send 'Authorization: Bearer <key>'")
        if problem is not None or batch is None:
            raise problem or WarroomError("invalid payload")
        return integration

    def reader() -> Principal | None:
        """The answer names the incidents the person may read, an integration those not
        private (warroom.intake.answers)."""
        return sender[0] if sender else None

    result = await chunking.ingest(request.app, authorise, batch, reader=reader)
    return JSONResponse({"status": "accepted", **result.to_json()}, status_code=202)


# ---- PagerDuty Events API v2 -----------------------------------------------------------------


def _pd_failure(exc: WarroomError) -> JSONResponse:
    """PagerDuty's error shape: 400 for any invalid event, otherwise the status as is."""
    status = 400 if exc.status_code == 422 else exc.status_code
    detail = exc.message
    if exc.field and exc.field not in detail:
        detail = f"{exc.field}: {detail}"
    message = "Event object is invalid" if status == 400 else exc.message
    return JSONResponse(pagerduty.error_body(message, [detail]), status_code=status)


@router.post("/v2/enqueue", status_code=202, **pagerduty_doc())
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


@router.post("/v2/change/enqueue", status_code=202, **pagerduty_doc(change=True))
async def pagerduty_change(request: Request) -> JSONResponse:
    """PagerDuty Change Events: shown on the timeline of the service's open incidents."""
    try:
        body = await read_body(request, _limit(request))
        data = parse_json(body)
        key = pagerduty.routing_key(data)
    except WarroomError as exc:
        return _pd_failure(exc)
    change, problem = _parse_later(changes.parse_change, data)
    client = _client(request)

    def work(session: Session, clock: Clock, cfg: IntakeConfig) -> None:
        info = credentials.by_secret(cfg, key, ("pagerduty",))
        if info is None:
            credentials.rejected("pagerduty change", client, key)
            raise Unauthorized("unknown routing_key", field="routing_key")
        if problem is not None or change is None:
            raise problem or WarroomError("invalid change event")
        changes.record_change(session, clock, info.key, change)

    try:
        await gate_of(request.app).run(request.app, work)
    except WarroomError as exc:
        return _pd_failure(exc)
    return JSONResponse({"status": "success", "message": "Change event processed"}, status_code=202)


# Included last: the intake endpoints above are matched first, as they are the busiest routes.
router.include_router(api_opsgenie.router)
router.include_router(api_alerts.router)


def setup(app: FastAPI) -> None:
    # Each start of the app (each binding of it) begins with an empty gate.
    app.state.startup_hooks.append(new_gate)
