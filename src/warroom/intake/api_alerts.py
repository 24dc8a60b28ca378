"""Reading alerts, managing silences, and asking which route an alert would take."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from warroom.deps import ClockDep, Responder, SessionDep, Viewer
from warroom.errors import NotFound
from warroom.incidents.access import hidden_incident_ids, may_see_incident_id
from warroom.intake import service, state
from warroom.intake.models import Silence
from warroom.intake.schemas import AlertOut, RouteTestIn, SilenceIn, SilenceOut
from warroom.openapi import API_ERRORS, IdPath, OptionalIdQuery

router = APIRouter(prefix="/api/v1", tags=["alerts"], responses=API_ERRORS)


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(
    session: SessionDep,
    principal: Viewer,
    status: str | None = Query(None, description="open, firing or resolved"),
    integration: str | None = None,
    service_key: str | None = Query(None, alias="service"),
    incident_id: OptionalIdQuery = None,
    suppressed: bool | None = None,
    fingerprint: str | None = None,
    label: list[str] | None = Query(None, description='matchers such as service="checkout"'),
    limit: int = Query(100, ge=1, le=1000),
    before_id: OptionalIdQuery = None,
) -> Any:
    """Alerts, newest first, with filters."""
    alerts = service.list_alerts(
        session,
        status=status,
        integration=integration,
        service=service_key,
        incident_id=incident_id,
        suppressed=suppressed,
        fingerprint=fingerprint,
        label=label,
        limit=limit,
        before_id=before_id,
        # Alerts of private incidents the caller is no member of are not shown at all.
        hidden=hidden_incident_ids(session, principal),
    )
    return alerts


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: IdPath, session: SessionDep, principal: Viewer) -> Any:
    alert = service.get_alert(session, alert_id)
    if not may_see_incident_id(session, principal, alert.incident_id):
        raise NotFound(f"no alert {alert_id}", field="alert_id")
    return alert


def _silence_out(silence: Silence, now: datetime) -> SilenceOut:
    return SilenceOut(
        id=silence.id,
        matchers=list(silence.matchers),
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        author=silence.author,
        comment=silence.comment,
        created_at=silence.created_at,
        expired_at=silence.expired_at,
        state=service.silence_state(silence, now),
    )


@router.post("/silences", response_model=SilenceOut, status_code=201)
def add_silence(body: SilenceIn, session: SessionDep, clock: ClockDep, who: Responder) -> Any:
    """Silence alerts matching every matcher, from starts_at (default now) to ends_at."""
    silence = service.add_silence(
        session,
        clock,
        matchers=body.matchers,
        author=who.actor,
        comment=body.comment,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        duration=body.duration,
    )
    session.commit()
    return _silence_out(silence, clock.now())


@router.get("/silences", response_model=list[SilenceOut])
def list_silences(session: SessionDep, clock: ClockDep, _: Viewer, all: bool = False) -> Any:
    """Active and pending silences (all=true adds expired ones)."""
    now = clock.now()
    return [
        _silence_out(s, now) for s in service.list_silences(session, clock, include_expired=all)
    ]


@router.post("/silences/{silence_id}/expire", response_model=SilenceOut)
def expire_silence(silence_id: IdPath, session: SessionDep, clock: ClockDep, _: Responder) -> Any:
    """End a silence now."""
    silence = service.expire_silence(session, clock, silence_id)
    session.commit()
    return _silence_out(silence, clock.now())


@router.post("/intake/routes/test")
def route_test(body: RouteTestIn, session: SessionDep, clock: ClockDep, _: Viewer) -> Any:
    """Which route(s) an alert with these labels would take under the config in force."""
    cfg = state.current(session)
    return service.explain_route(session, clock, cfg, body.labels, body.integration or "")
