"""The incident page's forms for the work on it: runbook checklists, hypotheses, tasks.

Same pattern as `forms_incident`: role and CSRF checked, the domain's service called, a
303 back to the page, a refused change shown as the domain's message.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse

from warroom.deps import ClockDep, SessionDep
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.openapi import MAX_ID, IdPath, IncidentNumberPath
from warroom.runbooks import checklist
from warroom.runbooks import service as runbooks
from warroom.web.deps import CsrfForm, UiResponder
from warroom.web.forms import field
from warroom.web.forms_incident import act

router = APIRouter(include_in_schema=False)
StepPath = Annotated[int, Path(ge=1, le=MAX_ID)]
KeyPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/ui/incidents/{number}/runbooks")
def attach_runbook(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Attach a runbook's checklist to the incident."""

    def change(incident: Incident) -> str:
        run = runbooks.attach(session, clock, incident.number, field(form, "key"), me.actor)
        return f"runbook {run.title} attached"

    return act(request, session, number, me, "runbooks", change)


@router.post("/ui/incidents/{number}/runbooks/{key}/steps/{step}")
def change_step(
    request: Request,
    number: IncidentNumberPath,
    key: KeyPath,
    step: StepPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Tick a step (done), skip it with a reason, mark it blocked, or reopen it (todo)."""

    def change(incident: Incident) -> str:
        state = field(form, "state")
        checklist.set_state(
            session,
            clock,
            incident.number,
            key,
            step,
            state,
            actor=me.actor,
            reason=field(form, "reason"),
        )
        return f"step {step} of {key}: {state}"

    return act(request, session, number, me, f"runbook-{key}", change)


@router.post("/ui/incidents/{number}/hypotheses")
def add_hypothesis(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Write down what might be going on."""

    def change(incident: Incident) -> str:
        incidents.add_hypothesis(
            session,
            clock,
            incident,
            text=field(form, "text"),
            owner=field(form, "owner") or None,
            actor=me.actor,
        )
        return "hypothesis added"

    return act(request, session, number, me, "hypotheses", change)


@router.post("/ui/incidents/{number}/hypotheses/{item_id}")
def update_hypothesis(
    request: Request,
    number: IncidentNumberPath,
    item_id: IdPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Confirm, rule out or change the status of a hypothesis."""

    def change(incident: Incident) -> str:
        status = field(form, "status")
        incidents.update_hypothesis(
            session, clock, incident, item_id, actor=me.actor, status=status
        )
        return f"hypothesis {status.replace('_', ' ')}"

    return act(request, session, number, me, "hypotheses", change)


@router.post("/ui/incidents/{number}/tasks")
def add_task(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Add a task, optionally with an assignee."""

    def change(incident: Incident) -> str:
        incidents.add_task(
            session,
            clock,
            incident,
            text=field(form, "text"),
            assignee=field(form, "assignee") or None,
            actor=me.actor,
        )
        return "task added"

    return act(request, session, number, me, "tasks", change)


@router.post("/ui/incidents/{number}/tasks/{item_id}")
def update_task(
    request: Request,
    number: IncidentNumberPath,
    item_id: IdPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Mark a task done or not done."""

    def change(incident: Incident) -> str:
        done = field(form, "done") == "1"
        task = incidents.update_task(session, clock, incident, item_id, actor=me.actor, done=done)
        return f"task {'done' if task.done else 'reopened'}: {task.text}"

    return act(request, session, number, me, "tasks", change)
