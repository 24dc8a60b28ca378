"""Opsgenie Alert API endpoints (wire-formats §4): create, close, acknowledge, message and
description updates, add note, get alert and request status, all under `GenieKey` auth.

Opsgenie processes writes asynchronously and hands back a `requestId` to poll. warroom has
already stored the request when it answers, so the request id itself carries what the status
call reports (the action and the alert id): nothing has to be kept for it.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.errors import NotFound, Unauthorized, WarroomError
from warroom.intake import credentials, opsgenie, service
from warroom.intake.gate import gate_of, parse_json, read_body
from warroom.intake.models import Alert
from warroom.intake.openapi_intake import opsgenie_doc
from warroom.intake.schemas import Batch
from warroom.intake.state import IntakeConfig, IntegrationInfo
from warroom.openapi import MAX_ID
from warroom.redaction import hidden_values, scrub_known

router = APIRouter(tags=["intake"])

# The action code kept in a request id, and what Opsgenie's status call says for each.
ACTIONS = {
    1: ("Create", "Created alert"),
    2: ("Close", "Closed alert"),
    3: ("Acknowledge", "Acknowledged alert"),
    4: ("AddNote", "Added note"),
    5: ("Update", "Updated alert"),
}
CODES = {name: code for code, (name, _) in ACTIONS.items()}
_REQUEST_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

Work = Callable[[Session, Clock, IntakeConfig], int]


# Set in the action digit when the request named no alert (a close of an unknown alias): the
# last 16 digits then hold when it was processed (Unix milliseconds) instead of an alert id.
NO_ALERT = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
MAX_MS = (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH) // _MS


class Decoded(NamedTuple):
    action: str
    alert_id: int  # 0: the request named no alert
    processed_at: datetime | None  # only kept when it named no alert


def request_id(action: str, alert_id: int, processed_at: datetime | None = None) -> str:
    """A UUID-shaped id: 15 random hex digits, the action code, then the alert id (or, with
    NO_ALERT set in the code, the time it was processed)."""
    code, tail = CODES[action], alert_id
    if alert_id == 0:
        code, tail = code | NO_ALERT, ((processed_at or _EPOCH) - _EPOCH) // _MS
    digits = secrets.token_hex(8)[:15] + f"{code:x}" + f"{tail:016x}"
    return str(uuid.UUID(digits))


def decode_request_id(text: str) -> Decoded | None:
    """What a request id made by `request_id` says, or None."""
    if not _REQUEST_ID.match(text):
        return None
    digits = text.replace("-", "")
    code, tail = int(digits[15], 16), int(digits[16:], 16)
    if code & NO_ALERT and code ^ NO_ALERT in ACTIONS and tail <= MAX_MS:
        return Decoded(ACTIONS[code ^ NO_ALERT][0], 0, _EPOCH + tail * _MS)
    if code not in ACTIONS or not 0 < tail <= MAX_ID:
        return None
    return Decoded(ACTIONS[code][0], tail, None)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _integration(cfg: IntakeConfig, headers: Headers, client: str) -> IntegrationInfo:
    secret = credentials.presented_secret(headers, scheme="geniekey")
    info = credentials.by_secret(cfg, secret, ("opsgenie",)) if secret else None
    if info is None:
        credentials.rejected("opsgenie", client, secret)
        # What Opsgenie answers for a well-formed key it does not know.
        raise Unauthorized("Could not authenticate")
    return info


def find_alert(session: Session, integration: str, identifier: str, kind: str) -> Alert | None:
    """The newest alert of this integration named by warroom id (id, tiny) or by alias."""
    if kind == "alias":
        rows = service.list_alerts(
            session, integration=integration, fingerprint=identifier, limit=1
        )
        return rows[0] if rows else None
    if not (identifier.isascii() and identifier.isdigit()) or not 0 < int(identifier) <= MAX_ID:
        return None
    try:
        alert = service.get_alert(session, int(identifier))
    except NotFound:
        return None
    return alert if alert.integration == integration else None


# Opsgenie's API surface: a path under it that no route takes (a line break in an alert's
# identifier matches no path parameter) still answers as Opsgenie does (app's 404 handler).
PATH_PREFIX = "/v2/alerts"


def no_route(message: str) -> JSONResponse:
    """The 404 of a path under PATH_PREFIX that no route takes, in Opsgenie's shape."""
    return JSONResponse(opsgenie.error_body(message, str(uuid.uuid4())), status_code=404)


def _error(exc: WarroomError) -> JSONResponse:
    errors = {exc.field: exc.message} if exc.field else None
    message = (
        "Request body is not processable. Please check the errors."
        if exc.status_code == 422
        else exc.message
    )
    body = opsgenie.error_body(message, str(uuid.uuid4()), errors)
    return JSONResponse(body, status_code=exc.status_code)


async def _run(request: Request, action: str, build: Callable[[Any], Batch]) -> JSONResponse:
    """Read, authenticate, parse and store one Opsgenie write; 202 with a request id."""
    started = time.perf_counter()
    client, headers = _client(request), request.headers
    kind = request.query_params.get("identifierType", "id")
    try:
        body = await read_body(request, int(request.app.state.settings.max_body_bytes))
        data = parse_json(body) if body.strip() else None
        try:
            batch, problem = build(data), None
        except WarroomError as exc:
            batch, problem = None, exc

        def work(session: Session, clock: Clock, cfg: IntakeConfig) -> int:
            info = _integration(cfg, headers, client)
            if problem is not None or batch is None:
                raise problem or WarroomError("invalid request")
            return _store(session, clock, cfg, info, batch, action, kind)

        alert_id = await gate_of(request.app).run(request.app, work)
    except WarroomError as exc:
        return _error(exc)
    took = time.perf_counter() - started
    made = request_id(action, alert_id, request.app.state.clock.now())
    return JSONResponse(opsgenie.accepted(made, took), status_code=202)


def _store(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    info: IntegrationInfo,
    batch: Batch,
    action: str,
    kind: str,
) -> int:
    alert = batch.alerts[0]
    if action != "Create":
        found = find_alert(session, info.key, alert.fingerprint, kind)
        if action == "Update":  # message/description edits: the alert keeps its text
            return found.id if found is not None else 0
        if action == "AddNote":
            if found is None:
                raise NotFound(f"Alert with {kind} [{alert.fingerprint[:64]}] does not exist")
            _add_note(session, clock, info.key, found, alert.raw, action)
            return found.id
        alert.fingerprint = found.fingerprint if found is not None else alert.fingerprint
    service.ingest(session, clock, cfg, info.key, batch)
    rows = service.list_alerts(
        session, integration=info.key, fingerprint=alert.fingerprint, limit=1
    )
    if rows and alert.raw.get("note"):  # a create's, close's or acknowledge's note
        _add_note(session, clock, info.key, rows[0], alert.raw, action)
    return rows[0].id if rows else 0


def _add_note(
    session: Session,
    clock: Clock,
    integration: str,
    alert: Alert,
    body: dict[str, Any],
    action: str,
) -> None:
    # Every viewer of the incident reads its timeline: credentials masked as in the alert's
    # own text (docs/intake.md §5), a secret-named detail's value where the note repeats it.
    details = body.get("details")
    hidden = hidden_values(details) if isinstance(details, dict) else []

    def masked(name: str) -> str | None:
        value = body.get(name)
        return scrub_known(value, hidden) if isinstance(value, str) and value else None

    payload = {
        "action": action,
        "alert_id": alert.id,
        "fingerprint": alert.fingerprint,
        "note": masked("note") or "",
        "user": masked("user"),
        "source": masked("source"),
    }
    timeline.record(
        session,
        clock,
        incident_id=alert.incident_id,
        kind="intake:alert:noted",
        actor=f"intake:{integration}",
        payload=payload,
    )


@router.post("/v2/alerts", status_code=202, **opsgenie_doc("create"))
async def opsgenie_create(request: Request) -> JSONResponse:
    """Opsgenie: create an alert (an open alert with the same alias is only counted)."""
    return await _run(request, "Create", opsgenie.parse_create)


def _names_a_request(request: Request) -> bool:
    """True when the path as sent is /v2/alerts/requests/{requestId}. Routes match the decoded
    path, so the alias "requests/abc", which opsgenie-sdk sends percent-encoded as one segment
    (/v2/alerts/requests%2Fabc, as Opsgenie reads it), reaches this route too; so does a get
    by alias that names its identifierType, which a status call never sends."""
    if "identifierType" in request.query_params:
        return False
    raw = request.scope.get("raw_path")
    return not isinstance(raw, bytes) or raw.split(b"?")[0].split(b"/")[-2:-1] == [b"requests"]


# Registered before the alias routes: an alias may hold "/" ({identifier:path}: opsgenie-sdk
# percent-encodes it, and routes match the decoded path), so the status route must win.
@router.get("/v2/alerts/requests/{requestId}", **opsgenie_doc("status"))
async def opsgenie_request_status(request: Request, requestId: str) -> JSONResponse:
    """Opsgenie: the outcome of an earlier write (warroom stores writes before answering)."""
    if not _names_a_request(request):  # an alert whose alias begins "requests/"
        kind = request.query_params.get("identifierType", "id")
        return await opsgenie_get_alert(request, f"requests/{requestId}", kind)
    client, headers = _client(request), request.headers

    def work(session: Session, clock: Clock, cfg: IntakeConfig) -> dict[str, Any]:
        info = _integration(cfg, headers, client)
        decoded = decode_request_id(requestId)
        if decoded is not None and decoded.processed_at is not None:
            # What Opsgenie answers for an action on an alert that does not exist.
            when = decoded.processed_at.isoformat(timespec="milliseconds")
            return _status(decoded.action, when, info.key, None)
        alert = find_alert(session, info.key, str(decoded.alert_id), "id") if decoded else None
        if decoded is None or alert is None:
            raise NotFound(f"Request with id [{requestId[:64]}] does not exist")
        return _status(decoded.action, alert.last_seen_at.isoformat(), info.key, alert)

    try:
        data = await gate_of(request.app).run(request.app, work)
    except WarroomError as exc:
        return _error(exc)
    return JSONResponse({"data": data, "took": 0.001, "requestId": str(uuid.uuid4())})


def _status(action: str, when: str, integration: str, alert: Alert | None) -> dict[str, Any]:
    """The data of Opsgenie's request status: the alert the request acted on, or none."""
    return {
        "success": alert is not None,
        "action": action,
        "processedAt": when.replace("+00:00", "Z"),
        "integrationId": integration,
        "isSuccess": alert is not None,
        "status": ACTIONS[CODES[action]][1] if alert else "Alert does not exist",
        "alertId": str(alert.id) if alert else "",
        "alias": alert.fingerprint if alert else "",
    }


@router.get("/v2/alerts/{identifier:path}", **opsgenie_doc("get"))
async def opsgenie_get_alert(
    request: Request, identifier: str, identifierType: str = "id"
) -> JSONResponse:
    """Opsgenie: one alert by id, tiny id or alias."""
    client, headers = _client(request), request.headers

    def work(session: Session, clock: Clock, cfg: IntakeConfig) -> dict[str, Any]:
        info = _integration(cfg, headers, client)
        if identifierType not in opsgenie.IDENTIFIER_TYPES:
            raise opsgenie.bad_identifier_type()
        opsgenie.refuse_nul(identifier)
        alert = find_alert(session, info.key, identifier, identifierType)
        if alert is None:
            raise NotFound(f"Alert with {identifierType} [{identifier[:64]}] does not exist")
        return opsgenie.alert_view(alert, info.key)

    try:
        data = await gate_of(request.app).run(request.app, work)
    except WarroomError as exc:
        return _error(exc)
    return JSONResponse({"data": data, "took": 0.001, "requestId": str(uuid.uuid4())})


@router.post("/v2/alerts/{identifier:path}/close", status_code=202, **opsgenie_doc("action"))
async def opsgenie_close(
    request: Request, identifier: str, identifierType: str = "id"
) -> JSONResponse:
    """Opsgenie: close the alert named by id or alias."""
    return await _run(
        request,
        "Close",
        lambda data: opsgenie.parse_action(identifier, identifierType, data, "resolved"),
    )


@router.post("/v2/alerts/{identifier:path}/acknowledge", status_code=202, **opsgenie_doc("action"))
async def opsgenie_acknowledge(
    request: Request, identifier: str, identifierType: str = "id"
) -> JSONResponse:
    """Opsgenie: acknowledge the alert named by id or alias."""
    return await _run(
        request,
        "Acknowledge",
        lambda data: opsgenie.parse_action(identifier, identifierType, data, "acknowledged"),
    )


@router.post("/v2/alerts/{identifier:path}/notes", status_code=202, **opsgenie_doc("note"))
async def opsgenie_add_note(
    request: Request, identifier: str, identifierType: str = "id"
) -> JSONResponse:
    """Opsgenie: add a note; it lands on the timeline of the alert's incident."""
    return await _run(
        request, "AddNote", lambda data: opsgenie.parse_note(identifier, identifierType, data)
    )


@router.put("/v2/alerts/{identifier:path}/{part}", status_code=202, **opsgenie_doc("update"))
async def opsgenie_update(
    request: Request, identifier: str, part: str, identifierType: str = "alias"
) -> JSONResponse:
    """Opsgenie `update_alerts` (message, description): accepted; the alert keeps its text."""
    if part not in opsgenie.UPDATE_FIELDS:  # no such Opsgenie call: nothing was done
        return no_route(f"No PUT /v2/alerts/{{identifier}}/{part[:64]}: use message or description")
    return await _run(
        request,
        "Update",
        lambda data: opsgenie.parse_update(identifier, identifierType, part, data),
    )
