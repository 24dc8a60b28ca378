"""The incident page's forms for the work on it: runbook checklists, hypotheses, tasks.

Same pattern as `forms_incident`: role and CSRF checked, the domain's service called, a
303 back to the page, a refused change shown as the domain's message.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse, Response

from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.openapi import MAX_ID, IdPath
from warroom.runbooks import checklist
from warroom.runbooks import service as runbooks
from warroom.web.forms_incident import IncidentFormDep

router = APIRouter(include_in_schema=False)
StepPath = Annotated[int, Path(ge=1, le=MAX_ID)]
KeyPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/ui/incidents/{number}/runbooks")
def attach_runbook(
    post: IncidentFormDep,
) -> RedirectResponse:
    """Attach a runbook's checklist to the incident."""

    def change(incident: Incident) -> str:
        run = runbooks.attach(
            post.session, post.clock, incident.number, post.field("key"), post.me.actor
        )
        return f"runbook {run.title} attached"

    return post.act("runbooks", change)


@router.post("/ui/incidents/{number}/runbooks/{key}/steps/{step}")
def change_step(
    post: IncidentFormDep,
    key: KeyPath,
    step: StepPath,
) -> RedirectResponse:
    """Tick a step (done), skip it with a reason, mark it blocked, or reopen it (todo)."""

    def change(incident: Incident) -> str:
        state = post.field("state")
        checklist.set_state(
            post.session,
            post.clock,
            incident.number,
            key,
            step,
            state,
            actor=post.me.actor,
            reason=post.field("reason"),
        )
        return f"step {step} of {key}: {state}"

    return post.act(f"runbook-{key}", change)


@router.post("/ui/incidents/{number}/hypotheses", response_model=None)
def add_hypothesis(
    post: IncidentFormDep,
) -> Response:
    """Write down what might be going on."""

    def change(incident: Incident) -> str:
        incidents.add_hypothesis(
            post.session,
            post.clock,
            incident,
            text=post.field("text"),
            owner=post.field("owner") or None,
            actor=post.me.actor,
        )
        return "hypothesis added"

    return post.act_keeping("hypotheses", change, "text", "owner")


@router.post("/ui/incidents/{number}/hypotheses/{item_id}")
def update_hypothesis(
    post: IncidentFormDep,
    item_id: IdPath,
) -> RedirectResponse:
    """Confirm, rule out or change the status of a hypothesis."""

    def change(incident: Incident) -> str:
        status = post.field("status")
        incidents.update_hypothesis(
            post.session, post.clock, incident, item_id, actor=post.me.actor, status=status
        )
        return f"hypothesis {status.replace('_', ' ')}"

    return post.act("hypotheses", change)


@router.post("/ui/incidents/{number}/hypotheses/{item_id}/owner")
def hand_on_hypothesis(
    post: IncidentFormDep,
    item_id: IdPath,
) -> RedirectResponse:
    """Give a hypothesis to someone else (blank: nobody), as the API's owner does."""

    def change(incident: Incident) -> str:
        item = incidents.update_hypothesis(
            post.session,
            post.clock,
            incident,
            item_id,
            actor=post.me.actor,
            owner=post.field("owner"),
        )
        return f"hypothesis {item.text}: {item.owner or 'nobody'} owns it"

    return post.act(f"hypothesis-{item_id}", change)


@router.post("/ui/incidents/{number}/tasks", response_model=None)
def add_task(
    post: IncidentFormDep,
) -> Response:
    """Add a task, optionally with an assignee."""

    def change(incident: Incident) -> str:
        incidents.add_task(
            post.session,
            post.clock,
            incident,
            text=post.field("text"),
            assignee=post.field("assignee") or None,
            actor=post.me.actor,
        )
        return "task added"

    return post.act_keeping("tasks", change, "text", "assignee")


@router.post("/ui/incidents/{number}/tasks/{item_id}")
def update_task(
    post: IncidentFormDep,
    item_id: IdPath,
) -> RedirectResponse:
    """Mark a task done or not done."""

    def change(incident: Incident) -> str:
        done = post.field("done") == "1"
        task = incidents.update_task(
            post.session, post.clock, incident, item_id, actor=post.me.actor, done=done
        )
        return f"task {'done' if task.done else 'reopened'}: {task.text}"

    return post.act("tasks", change)


@router.post("/ui/incidents/{number}/tasks/{item_id}/assignee")
def hand_on_task(
    post: IncidentFormDep,
    item_id: IdPath,
) -> RedirectResponse:
    """Give a task to someone else (blank: nobody), as the API's assignee does."""

    def change(incident: Incident) -> str:
        task = incidents.update_task(
            post.session,
            post.clock,
            incident,
            item_id,
            actor=post.me.actor,
            assignee=post.field("assignee"),
        )
        return f"task {task.text}: {task.assignee or 'nobody'} on it"

    return post.act(f"task-{item_id}", change)
