"""Routes: post and list an incident's status updates, and its brief."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from warroom.comms import brief, service
from warroom.comms.models import StatusUpdate
from warroom.comms.schemas import CadenceOut, UpdateIn, UpdateOut, UpdatesOut
from warroom.deps import ClockDep, Responder, SessionDep, SettingsDep, Viewer
from warroom.incidents.access import visible_incident
from warroom.incidents.models import Incident
from warroom.openapi import API_ERRORS, IncidentNumberPath

router = APIRouter(prefix="/api/v1", tags=["comms"], responses=API_ERRORS)


@router.post("/incidents/{number}/updates", response_model=UpdateOut, status_code=201)
def post_update(
    number: IncidentNumberPath,
    body: UpdateIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> UpdateOut:
    incident = visible_incident(session, number, principal)
    update = service.post_update(
        session,
        clock,
        number=number,
        state=body.state,
        internal=body.internal,
        public=body.public,
        next_update=body.next_update_delta(),
        actor=principal.actor,
        smtp_url=settings.smtp_url,
        force=body.force,
    )
    out = UpdateOut.model_validate(update)
    out.warning = service.unreached_warning(update, incident)
    out.public_note = service.unpublished_note(session, update, incident)
    out.cadence_note = service.cadence_note(session, incident, update, body.next_update_delta())
    session.commit()
    return out


@router.get("/incidents/{number}/updates", response_model=UpdatesOut)
def list_updates(number: IncidentNumberPath, principal: Viewer, session: SessionDep) -> UpdatesOut:
    incident = visible_incident(session, number, principal)
    record = service.cadence_record(session, incident.id)
    return UpdatesOut(
        updates=[_out(u, incident) for u in service.list_updates(session, incident.id)],
        cadence=[CadenceOut.model_validate(r) for r in record.rows],
        on_time=record.on_time,
    )


def _out(update: StatusUpdate, incident: Incident) -> UpdateOut:
    out = UpdateOut.model_validate(update)
    out.warning = service.unreached_warning(update, incident)
    return out


BRIEF = {"content": {"text/markdown": {"schema": {"type": "string"}}}, "description": "Markdown"}


# response_class=Response: the 200 is Markdown, the errors are the JSON bodies of API_ERRORS.
@router.get("/incidents/{number}/brief", response_class=Response, responses={200: BRIEF})
def get_brief(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep
) -> PlainTextResponse:
    incident = visible_incident(session, number, principal)
    return PlainTextResponse(brief.render(session, incident), media_type="text/markdown")
