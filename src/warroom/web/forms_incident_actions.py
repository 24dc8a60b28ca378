"""The incident page's forms for actions (mitigations): request, approve, revert.

The two-person rule, the limits and the on/off switch are the actions service's: a refused
request or approval shows its message. The engine runs queued runs; the page shows their state.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from warroom.actions import service as actions
from warroom.errors import NotFound
from warroom.incidents.models import Incident
from warroom.openapi import IdPath
from warroom.web.forms import field
from warroom.web.forms_incident import IncidentFormDep

router = APIRouter(include_in_schema=False)
PARAM = "param_"


def params_of(form: FormData) -> dict[str, str | int]:
    """The `param_<name>` fields given (blank ones left out, so their defaults apply)."""
    return {
        key[len(PARAM) :]: field(form, key)
        for key in form
        if key.startswith(PARAM) and field(form, key)
    }


def _state_words(state: str) -> str:
    return state.replace("_", " ")


@router.post("/ui/incidents/{number}/actions", response_model=None)
def request_action(
    post: IncidentFormDep,
) -> Response:
    """Request a run of an action (or its dry run); it may wait for a second person."""

    def change(incident: Incident) -> str:
        run = actions.request_run(
            post.session,
            post.clock,
            incident,
            action=post.field("action"),
            params=params_of(post.form),
            actor=post.me.actor,
            switch=post.settings.actions,
            dry_run=post.checked("dry_run"),
        )
        return f"run {run.id} of {run.action_key}: {_state_words(run.state)}"

    given = [key for key in post.form if key.startswith(PARAM)]
    return post.act_keeping("actions", change, "action", "dry_run", *given)


def _run_of(incident: Incident, session: Session, run_id: int) -> None:
    """NotFound unless the run belongs to this incident (the page only links its own)."""
    run = actions.get_run(session, run_id)
    if run.incident_id != incident.id:
        raise NotFound(f"no action run {run_id} on {incident.ref}", field="run")


@router.post("/ui/incidents/{number}/actions/{run_id}/approve")
def approve_action(
    post: IncidentFormDep,
    run_id: IdPath,
) -> RedirectResponse:
    """Approve someone else's held run; it is then queued for the engine."""

    def change(incident: Incident) -> str:
        _run_of(incident, post.session, run_id)
        run = actions.approve(
            post.session, post.clock, run_id, actor=post.me.actor, switch=post.settings.actions
        )
        return f"run {run.id} of {run.action_key} approved: {_state_words(run.state)}"

    return post.act("actions", change)


@router.post("/ui/incidents/{number}/actions/{run_id}/revert")
def revert_action(
    post: IncidentFormDep,
    run_id: IdPath,
) -> RedirectResponse:
    """Request the undo of a succeeded run (which may itself need approval); `force` for one
    that timed out or was interrupted (the page's 'Revert anyway')."""

    def change(incident: Incident) -> str:
        _run_of(incident, post.session, run_id)
        undo = actions.revert(
            post.session,
            post.clock,
            run_id,
            actor=post.me.actor,
            switch=post.settings.actions,
            force=post.checked("force"),
        )
        return f"revert of run {run_id} requested as run {undo.id}: {_state_words(undo.state)}"

    return post.act("actions", change)
