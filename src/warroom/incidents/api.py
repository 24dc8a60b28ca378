"""Routes for incidents: create, list, show, lifecycle, severity, roles, notes, timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog.service import severities_by_key as severities
from warroom.clock import Clock, utc
from warroom.deps import ClockDep, Responder, SessionDep, Viewer
from warroom.errors import Invalid
from warroom.incidents import service
from warroom.incidents.access import visible_incident
from warroom.incidents.api_work import router as work_router
from warroom.incidents.listing import check_filters, list_rows
from warroom.incidents.models import Incident
from warroom.incidents.present import incident_detail, incident_list
from warroom.incidents.schemas import (
    EventOut,
    EventPage,
    IncidentCreate,
    IncidentDetail,
    IncidentPage,
    IncidentPatch,
    NoteIn,
    RoleAssign,
    RoleOut,
    SeverityChange,
    StarIn,
    TransitionIn,
)
from warroom.openapi import API_ERRORS, IdPath, IncidentNumberPath

router = APIRouter(prefix="/api/v1", tags=["incidents"], responses=API_ERRORS)


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _detail(
    session: Session, clock: Clock, incident: Incident, may_act: bool = True
) -> IncidentDetail:
    severity = severities(session).get(incident.severity)
    return incident_detail(session, incident, severity, clock.now(), may_act)


@router.post("/incidents", response_model=IncidentDetail, status_code=201)
def create_incident(
    body: IncidentCreate, principal: Responder, session: SessionDep, clock: ClockDep
) -> IncidentDetail:
    incident = service.open_incident(
        session,
        clock,
        actor=principal.actor,
        title=body.title,
        severity=body.severity,
        services=body.services,
        summary=body.summary,
        impact=body.impact.model_dump() if body.impact else None,
        drill=body.drill,
        private=body.private,
        tags=body.tags,
        dedup_group=body.dedup_group,
        source=body.source,
    )
    out = _detail(session, clock, incident)
    session.commit()
    return out


def _since(since: datetime | None) -> datetime | None:
    """`since` in UTC; a moment the calendar cannot hold in UTC is refused (422)."""
    if since is None:
        return None
    try:
        return utc(since)
    except OverflowError:
        raise Invalid("since is out of range once taken to UTC", field="since") from None


@router.get("/incidents", response_model=IncidentPage)
def list_incidents(
    principal: Viewer,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[list[str] | None, Query()] = None,
    severity: Annotated[list[str] | None, Query()] = None,
    service_key: Annotated[str | None, Query(alias="service")] = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    drills: bool = True,
) -> Response:
    check_filters(session, severity=severity, service=service_key)
    rows, services, next_cursor = list_rows(
        session,
        status=status,
        severity=severity,
        service=service_key,
        since=_since(since),
        cursor=cursor,
        limit=limit,
        viewer=None if principal.allows("admin") else principal.email,
        include_drills=drills,
    )
    # allowed_actions are the caller's: a viewer may move no incident.
    may_act = principal.allows("responder")
    items = incident_list(session, rows, severities(session), clock.now(), services, may_act)
    # Serialised here, once: the hot listing skips FastAPI's second validation pass.
    return _json(IncidentPage(items=items, next_cursor=next_cursor))


@router.get("/incidents/{number}", response_model=IncidentDetail)
def show_incident(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep, clock: ClockDep
) -> IncidentDetail:
    incident = visible_incident(session, number, principal)
    return _detail(session, clock, incident, principal.allows("responder"))


@router.patch("/incidents/{number}", response_model=IncidentDetail)
def update_incident(
    number: IncidentNumberPath,
    body: IncidentPatch,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> IncidentDetail:
    incident = visible_incident(session, number, principal)
    service.update_details(
        session,
        clock,
        incident,
        actor=principal.actor,
        title=body.title,
        summary=body.summary,
        # Only the impact fields the caller named: the others keep what they say now.
        impact=body.impact.model_dump(exclude_unset=True) if body.impact else None,
        tags=body.tags,
    )
    out = _detail(session, clock, incident)
    session.commit()
    return out


def _transition_route(action: str) -> None:
    move = {
        "ack": service.acknowledge,
        "mitigate": service.mitigate,
        "resolve": service.resolve,
        "close": service.close,
        "reopen": service.reopen,
    }[action]

    def route(
        number: IncidentNumberPath,
        principal: Responder,
        session: SessionDep,
        clock: ClockDep,
        body: TransitionIn | None = None,
    ) -> IncidentDetail:
        incident = visible_incident(session, number, principal)
        note = body.note if body else ""
        if action == "resolve":
            force = body.force if body else False
            service.resolve(session, clock, incident, actor=principal.actor, note=note, force=force)
        else:
            move(session, clock, incident, actor=principal.actor, note=note)
        out = _detail(session, clock, incident)
        session.commit()
        return out

    route.__name__ = f"{action}_incident"
    router.post(f"/incidents/{{number}}/{action}", response_model=IncidentDetail)(route)


for _action in ("ack", "mitigate", "resolve", "close", "reopen"):
    _transition_route(_action)


@router.post("/incidents/{number}/severity", response_model=IncidentDetail)
def change_severity(
    number: IncidentNumberPath,
    body: SeverityChange,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> IncidentDetail:
    incident = visible_incident(session, number, principal)
    service.change_severity(
        session, clock, incident, severity=body.severity, reason=body.reason, actor=principal.actor
    )
    out = _detail(session, clock, incident)
    session.commit()
    return out


@router.get("/incidents/{number}/roles", response_model=list[RoleOut])
def list_roles(number: IncidentNumberPath, principal: Viewer, session: SessionDep) -> list[RoleOut]:
    incident = visible_incident(session, number, principal)
    return [RoleOut.model_validate(r) for r in service.current_roles(session, incident)]


@router.post("/incidents/{number}/roles", response_model=list[RoleOut])
def assign_role(
    number: IncidentNumberPath,
    body: RoleAssign,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> list[RoleOut]:
    incident = visible_incident(session, number, principal)
    service.assign_role(
        session, clock, incident, role=body.role, user_email=body.user_email, actor=principal.actor
    )
    out = [RoleOut.model_validate(r) for r in service.current_roles(session, incident)]
    session.commit()
    return out


@router.delete("/incidents/{number}/roles/{role}/{user_email}", response_model=list[RoleOut])
def unassign_role(
    number: IncidentNumberPath,
    role: str,
    user_email: str,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> list[RoleOut]:
    incident = visible_incident(session, number, principal)
    service.unassign_role(
        session, clock, incident, role=role, user_email=user_email, actor=principal.actor
    )
    out = [RoleOut.model_validate(r) for r in service.current_roles(session, incident)]
    session.commit()
    return out


@router.post("/incidents/{number}/notes", response_model=EventOut, status_code=201)
def add_note(
    number: IncidentNumberPath,
    body: NoteIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> EventOut:
    incident = visible_incident(session, number, principal)
    event = service.add_note(session, clock, incident, text=body.text, actor=principal.actor)
    out = EventOut.model_validate(event)
    session.commit()
    return out


@router.get("/incidents/{number}/timeline", response_model=EventPage)
def read_timeline(
    number: IncidentNumberPath,
    principal: Viewer,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=timeline.MAX_PAGE)] = 50,
    starred: bool | None = None,
    kind: str | None = Query(default=None, description="Only kinds starting with this"),
    newest_first: bool = False,
) -> Response:
    incident = visible_incident(session, number, principal)
    rows, next_cursor = timeline.timeline_rows(
        session,
        incident_id=incident.id,
        cursor=cursor,
        limit=limit,
        starred=starred,
        kind_prefix=kind,
        newest_first=newest_first,
    )
    items = [EventOut.model_validate(r) for r in rows]
    return _json(EventPage(items=items, next_cursor=next_cursor))


@router.post("/incidents/{number}/timeline/{seq}/star", response_model=EventOut)
def star_event(
    number: IncidentNumberPath,
    seq: IdPath,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    body: StarIn | None = None,
) -> EventOut:
    incident = visible_incident(session, number, principal)
    event = service.star_event(
        session,
        clock,
        incident,
        seq=seq,
        starred=body.starred if body else True,
        actor=principal.actor,
    )
    out = EventOut.model_validate(event)
    session.commit()
    return out


router.include_router(work_router)
