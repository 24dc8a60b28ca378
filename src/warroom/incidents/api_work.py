"""Routes for hypotheses and tasks (included by incidents.api)."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.deps import ClockDep, Responder, SessionDep, Viewer
from warroom.incidents import service
from warroom.incidents.access import visible_incident
from warroom.incidents.schemas import (
    HypothesisIn,
    HypothesisOut,
    HypothesisPatch,
    TaskIn,
    TaskOut,
    TaskPatch,
)
from warroom.openapi import IdPath, IncidentNumberPath

router = APIRouter()


@router.get("/incidents/{number}/hypotheses", response_model=list[HypothesisOut])
def list_hypotheses(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep
) -> list[HypothesisOut]:
    incident = visible_incident(session, number, principal)
    return [HypothesisOut.model_validate(h) for h in service.list_hypotheses(session, incident)]


@router.post("/incidents/{number}/hypotheses", response_model=HypothesisOut, status_code=201)
def add_hypothesis(
    number: IncidentNumberPath,
    body: HypothesisIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> HypothesisOut:
    incident = visible_incident(session, number, principal)
    item = service.add_hypothesis(
        session,
        clock,
        incident,
        text=body.text,
        owner=body.owner,
        status=body.status,
        actor=principal.actor,
    )
    out = HypothesisOut.model_validate(item)
    session.commit()
    return out


@router.patch("/incidents/{number}/hypotheses/{hypothesis_id}", response_model=HypothesisOut)
def update_hypothesis(
    number: IncidentNumberPath,
    hypothesis_id: IdPath,
    body: HypothesisPatch,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> HypothesisOut:
    incident = visible_incident(session, number, principal)
    item = service.update_hypothesis(
        session,
        clock,
        incident,
        hypothesis_id,
        actor=principal.actor,
        status=body.status,
        text=body.text,
        owner=body.owner,
    )
    out = HypothesisOut.model_validate(item)
    session.commit()
    return out


@router.get("/incidents/{number}/tasks", response_model=list[TaskOut])
def list_tasks(number: IncidentNumberPath, principal: Viewer, session: SessionDep) -> list[TaskOut]:
    incident = visible_incident(session, number, principal)
    return [TaskOut.model_validate(t) for t in service.list_tasks(session, incident)]


@router.post("/incidents/{number}/tasks", response_model=TaskOut, status_code=201)
def add_task(
    number: IncidentNumberPath,
    body: TaskIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> TaskOut:
    incident = visible_incident(session, number, principal)
    item = service.add_task(
        session, clock, incident, text=body.text, assignee=body.assignee, actor=principal.actor
    )
    out = TaskOut.model_validate(item)
    session.commit()
    return out


@router.patch("/incidents/{number}/tasks/{task_id}", response_model=TaskOut)
def update_task(
    number: IncidentNumberPath,
    task_id: IdPath,
    body: TaskPatch,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> TaskOut:
    incident = visible_incident(session, number, principal)
    item = service.update_task(
        session,
        clock,
        incident,
        task_id,
        actor=principal.actor,
        done=body.done,
        assignee=body.assignee,
    )
    out = TaskOut.model_validate(item)
    session.commit()
    return out
