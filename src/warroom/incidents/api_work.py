"""Routes for hypotheses and tasks (included by incidents.api)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session

from warroom.deps import ClockDep, Responder, SessionDep, Viewer
from warroom.incidents import service
from warroom.incidents.access import visible_incident
from warroom.incidents.models import Hypothesis, Incident, Task
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


def _hypotheses_out(
    session: Session, incident: Incident, items: Sequence[Hypothesis]
) -> list[HypothesisOut]:
    """As shown, each open one's owner who can no longer work it flagged with why."""
    live = [h for h in items if h.status not in service.CONCLUDED]
    reasons = service.cannot_work(session, incident, (h.owner for h in live))
    return [
        HypothesisOut.model_validate(h).model_copy(
            update={"owner_cannot_work": reasons.get(h.owner or "") if h in live else None}
        )
        for h in items
    ]


def _tasks_out(session: Session, incident: Incident, items: Sequence[Task]) -> list[TaskOut]:
    """As shown, each open one's assignee who can no longer do it flagged with why."""
    reasons = service.cannot_work(session, incident, (t.assignee for t in items if not t.done))
    return [
        TaskOut.model_validate(t).model_copy(
            update={"assignee_cannot_work": None if t.done else reasons.get(t.assignee or "")}
        )
        for t in items
    ]


@router.get("/incidents/{number}/hypotheses", response_model=list[HypothesisOut])
def list_hypotheses(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep
) -> list[HypothesisOut]:
    incident = visible_incident(session, number, principal)
    return _hypotheses_out(session, incident, service.list_hypotheses(session, incident))


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
    out = _hypotheses_out(session, incident, [item])[0]
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
    out = _hypotheses_out(session, incident, [item])[0]
    session.commit()
    return out


@router.get("/incidents/{number}/tasks", response_model=list[TaskOut])
def list_tasks(number: IncidentNumberPath, principal: Viewer, session: SessionDep) -> list[TaskOut]:
    incident = visible_incident(session, number, principal)
    return _tasks_out(session, incident, service.list_tasks(session, incident))


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
    out = _tasks_out(session, incident, [item])[0]
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
    out = _tasks_out(session, incident, [item])[0]
    session.commit()
    return out
