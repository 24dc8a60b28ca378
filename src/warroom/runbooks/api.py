"""Runbook routes: the configured runbooks, an incident's checklists, step changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from warroom.deps import ClockDep, Responder, SessionDep, Viewer
from warroom.errors import NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.openapi import API_ERRORS, MAX_ID, IncidentNumberPath
from warroom.principal import Principal
from warroom.runbooks import checklist, present, service
from warroom.runbooks.schemas import (
    AttachIn,
    IncidentRunbooksOut,
    NoteIn,
    RunbookOut,
    RunOut,
    StepIn,
)

router = APIRouter(prefix="/api/v1", tags=["runbooks"], responses=API_ERRORS)
StepPath = Annotated[int, Path(ge=1, le=MAX_ID, description="a step number (1, 2, ...)")]


def _incident(session: Session, number: int, principal: Principal) -> Incident:
    incident = incidents.get_incident(session, number)
    if not incidents.can_read(
        session, incident, principal.email, is_admin=principal.allows("admin")
    ):
        raise NotFound(f"no incident INC-{number}", field="number")  # as one that is not there
    return incident


@router.get("/runbooks", response_model=list[RunbookOut])
def list_runbooks(_: Viewer, session: SessionDep) -> list[RunbookOut]:
    return [RunbookOut.of(r) for r in service.list_runbooks(session)]


@router.get("/runbooks/{key}", response_model=RunbookOut)
def show_runbook(key: str, _: Viewer, session: SessionDep) -> RunbookOut:
    return RunbookOut.of(service.get_runbook(session, key), full=True)


@router.get("/incidents/{number}/runbooks", response_model=IncidentRunbooksOut)
def incident_runbooks(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep, steps: bool = True
) -> IncidentRunbooksOut:
    incident = _incident(session, number, principal)
    return present.incident_runbooks(session, incident.id, steps=steps)


@router.post("/incidents/{number}/runbooks", response_model=RunOut, status_code=201)
def attach_runbook(
    number: IncidentNumberPath,
    body: AttachIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> RunOut:
    _incident(session, number, principal)
    run = service.attach(session, clock, number, body.key, principal.actor)
    out = present.run_out(session, run)
    session.commit()
    return out


@router.put("/incidents/{number}/runbooks/{key}/steps/{step}", response_model=RunOut)
def change_step(
    number: IncidentNumberPath,
    key: str,
    step: StepPath,
    body: StepIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> RunOut:
    incident = _incident(session, number, principal)
    checklist.set_state(
        session, clock, number, key, step, body.state, actor=principal.actor, reason=body.reason
    )
    out = present.run_out(session, checklist.find_run(session, incident.id, key))
    session.commit()
    return out


@router.post("/incidents/{number}/runbooks/{key}/steps/{step}/notes", response_model=RunOut)
def note_step(
    number: IncidentNumberPath,
    key: str,
    step: StepPath,
    body: NoteIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> RunOut:
    incident = _incident(session, number, principal)
    checklist.add_note(session, clock, number, key, step, actor=principal.actor, text=body.text)
    out = present.run_out(session, checklist.find_run(session, incident.id, key))
    session.commit()
    return out
