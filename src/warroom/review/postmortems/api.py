"""Routes: an incident's postmortem (get, save, assign, submit, approve, return, publish,
export) and the list of postmortems."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.deps import ClockDep, Responder, SessionDep, Viewer
from warroom.incidents.access import hidden_incident_ids, visible_incident
from warroom.incidents.models import Incident
from warroom.openapi import API_ERRORS, IncidentNumberPath
from warroom.review.postmortems import render, service
from warroom.review.postmortems.config import postmortem_settings
from warroom.review.postmortems.models import PUBLISHED, Postmortem
from warroom.review.postmortems.schemas import (
    AssignIn,
    CreateIn,
    PostmortemList,
    PostmortemOut,
    PostmortemSave,
    PostmortemState,
    PostmortemSummary,
    ReturnIn,
    ReviewIn,
    ReviewOut,
)

router = APIRouter(prefix="/api/v1", tags=["postmortems"], responses=API_ERRORS)
PATH = "/incidents/{number}/postmortem"


def summary(pm: Postmortem, incident: Incident, now: datetime) -> PostmortemSummary:
    """The list view of a postmortem."""
    return PostmortemSummary(
        number=incident.number,
        ref=incident.ref,
        title=incident.title,
        severity=incident.severity,
        drill=incident.drill,
        state=pm.state,
        author=pm.author,
        due_at=pm.due_at,
        overdue=service.is_overdue(pm, now),
        overdue_since=pm.overdue_since,
        paused=pm.state != PUBLISHED
        and pm.due_at is None
        and incident.status not in service.RESOLVED,
        version=pm.version,
        created_at=pm.created_at,
        updated_at=pm.updated_at,
        updated_by=pm.updated_by,
        submitted_at=pm.submitted_at,
        published_at=pm.published_at,
        published_by=pm.published_by,
    )


def detail(session: Session, clock: Clock, incident: Incident) -> PostmortemOut:
    """The whole postmortem of an incident, its Markdown included."""
    pm = service.require(session, incident)
    markdown = service.markdown_of(session, incident, pm)
    return PostmortemOut(
        **summary(pm, incident, clock.now()).model_dump(),
        generated=pm.markdown is None,
        markdown=markdown,
        sections=render.sections(markdown),
        reviews=[
            ReviewOut.model_validate(r) for r in service.reviews_of(session, pm, current=False)
        ],
        approvals_needed=postmortem_settings(session).approvals,
    )


def _saved(session: Session, clock: Clock, incident: Incident) -> PostmortemOut:
    """The answer to a change: the postmortem as changed, built before the change is committed
    (so nothing is committed that cannot be shown)."""
    out = detail(session, clock, incident)
    session.commit()
    return out


@router.get("/postmortems", response_model=PostmortemList)
def list_postmortems(
    principal: Viewer,
    session: SessionDep,
    clock: ClockDep,
    overdue: Annotated[bool, Query(description="Only those past due, not published")] = False,
    state: Annotated[PostmortemState | None, Query()] = None,
) -> PostmortemList:
    now = clock.now()
    hidden = hidden_incident_ids(session, principal)
    rows = service.list_postmortems(session, now, overdue=overdue, state=state, hidden=hidden)
    # A production figure, as the gauge warroom_postmortems_overdue_now: drills apart (a
    # drill's postmortem is listed, marked `drill`, but is never counted overdue here).
    return PostmortemList(
        postmortems=[summary(pm, inc, now) for pm, inc in rows],
        overdue=service.overdue_count(session, now, excluding=hidden),
    )


@router.post(PATH, response_model=PostmortemOut, status_code=201)
def create_postmortem(
    number: IncidentNumberPath,
    body: CreateIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> PostmortemOut:
    incident = visible_incident(session, number, principal)
    if service.get_for_incident(session, incident.id) is not None:
        return detail(session, clock, incident)
    if body.due_within_hours is not None:
        due_within: timedelta | None = timedelta(hours=body.due_within_hours)
    else:
        due_within = service.required_due(session, incident)[1]
        due_within = due_within or postmortem_settings(session).default_due_within
    service.create(
        session,
        clock,
        incident,
        actor=principal.actor,
        due_within=due_within,
        due_given=body.due_within_hours is not None,
    )
    return _saved(session, clock, incident)


@router.get(PATH, response_model=PostmortemOut)
def get_postmortem(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep, clock: ClockDep
) -> PostmortemOut:
    return detail(session, clock, visible_incident(session, number, principal))


@router.put(PATH, response_model=PostmortemOut)
def save_postmortem(
    number: IncidentNumberPath,
    body: PostmortemSave,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> PostmortemOut:
    incident = visible_incident(session, number, principal)
    service.save(
        session,
        clock,
        incident,
        markdown=body.markdown,
        version=body.version,
        actor=principal.actor,
    )
    return _saved(session, clock, incident)


@router.patch(PATH, response_model=PostmortemOut)
def assign_postmortem(
    number: IncidentNumberPath,
    body: AssignIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> PostmortemOut:
    incident = visible_incident(session, number, principal)
    service.assign(
        session, clock, incident, actor=principal.actor, author=body.author, due_at=body.due_at
    )
    return _saved(session, clock, incident)


@router.post(f"{PATH}/submit", response_model=PostmortemOut)
def submit_postmortem(
    number: IncidentNumberPath, principal: Responder, session: SessionDep, clock: ClockDep
) -> PostmortemOut:
    incident = visible_incident(session, number, principal)
    service.submit(session, clock, incident, actor=principal.actor)
    return _saved(session, clock, incident)


@router.post(f"{PATH}/approve", response_model=PostmortemOut)
def approve_postmortem(
    number: IncidentNumberPath,
    body: ReviewIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> PostmortemOut:
    incident = visible_incident(session, number, principal)
    service.approve(session, clock, incident, actor=principal.actor, note=body.note)
    return _saved(session, clock, incident)


@router.post(f"{PATH}/return", response_model=PostmortemOut)
def return_postmortem(
    number: IncidentNumberPath,
    body: ReturnIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> PostmortemOut:
    incident = visible_incident(session, number, principal)
    service.return_to_draft(session, clock, incident, actor=principal.actor, reason=body.reason)
    return _saved(session, clock, incident)


@router.post(f"{PATH}/publish", response_model=PostmortemOut)
def publish_postmortem(
    number: IncidentNumberPath, principal: Responder, session: SessionDep, clock: ClockDep
) -> PostmortemOut:
    incident = visible_incident(session, number, principal)
    service.publish(session, clock, incident, actor=principal.actor)
    return _saved(session, clock, incident)


EXPORT = {
    "content": {"text/markdown": {"schema": {"type": "string"}}, "text/html": {}},
    "description": "The postmortem as Markdown or as a standalone HTML page",
}


@router.get(f"{PATH}/export", response_class=Response, responses={200: EXPORT})
def export_postmortem(
    number: IncidentNumberPath,
    principal: Viewer,
    session: SessionDep,
    format: Annotated[Literal["md", "html"], Query()] = "md",
) -> Response:
    incident = visible_incident(session, number, principal)
    markdown = service.markdown_of(session, incident, service.require(session, incident))
    if format == "html":
        title = f"Postmortem {incident.ref}: {incident.title}"
        return Response(render.html_document(title, markdown), media_type="text/html")
    return Response(markdown, media_type="text/markdown")
