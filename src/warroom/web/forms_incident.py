"""The incident page's forms for the incident itself: lifecycle, severity, roles, notes.

Every route checks the role (`UiResponder`) and the CSRF token (`CsrfForm`), calls the same
service function as the JSON API (with the same access rule, `visible_incident`), commits, and
redirects back to the page (`warroom.web.forms.post_back`). A refused change is rolled back and
its domain message is flashed on the page instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from warroom.deps import ClockDep, SessionDep
from warroom.incidents import service as incidents
from warroom.incidents.access import visible_incident
from warroom.incidents.models import Incident
from warroom.openapi import IncidentNumberPath
from warroom.principal import Principal
from warroom.web.deps import CsrfForm, UiResponder
from warroom.web.forms import checked, field, post_back

router = APIRouter(include_in_schema=False)

ActionPath = Annotated[str, Path(pattern="^(ack|mitigate|resolve|close|reopen)$")]
DONE = {
    "ack": "acknowledged",
    "mitigate": "mitigated",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
}


def page_url(number: int, anchor: str = "") -> str:
    return f"/ui/incidents/{number}" + (f"#{anchor}" if anchor else "")


def act(
    request: Request,
    session: Session,
    number: int,
    me: Principal,
    anchor: str,
    change: Callable[[Incident], str],
) -> RedirectResponse:
    """Run one change on a visible incident and commit it, or flash why it was refused."""
    return post_back(
        request,
        session,
        page_url(number, anchor),
        lambda: change(visible_incident(session, number, me)),
    )


@router.post("/ui/incidents/{number}/status/{action}")
def change_status(
    request: Request,
    number: IncidentNumberPath,
    action: ActionPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Acknowledge, mitigate, resolve, close or reopen, as the lifecycle allows."""
    note = field(form, "note")

    def change(incident: Incident) -> str:
        if action == "resolve":
            force = checked(form, "force")
            incidents.resolve(session, clock, incident, actor=me.actor, note=note, force=force)
        else:
            move = {
                "ack": incidents.acknowledge,
                "mitigate": incidents.mitigate,
                "close": incidents.close,
                "reopen": incidents.reopen,
            }[action]
            move(session, clock, incident, actor=me.actor, note=note)
        return f"{incident.ref} {DONE[action]}"

    return act(request, session, number, me, "status", change)


@router.post("/ui/incidents/{number}/severity")
def change_severity(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Raise or lower the severity, with the reason the service requires."""

    def change(incident: Incident) -> str:
        severity = field(form, "severity")
        incidents.change_severity(
            session,
            clock,
            incident,
            severity=severity,
            reason=field(form, "reason"),
            actor=me.actor,
        )
        return f"{incident.ref} is now {severity}"

    return act(request, session, number, me, "status", change)


@router.post("/ui/incidents/{number}/roles")
def assign_role(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Give someone a role; without an e-mail address, take it yourself."""

    def change(incident: Incident) -> str:
        role = field(form, "role")
        email = field(form, "user_email") or me.email
        held = incidents.assign_role(
            session, clock, incident, role=role, user_email=email, actor=me.actor
        )
        return f"{held.user_email} is {role.replace('_', ' ')}"

    return act(request, session, number, me, "roles", change)


@router.post("/ui/incidents/{number}/roles/release")
def release_role(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Take a role away from its holder."""

    def change(incident: Incident) -> str:
        role = field(form, "role")
        held = incidents.unassign_role(
            session,
            clock,
            incident,
            role=role,
            user_email=field(form, "user_email"),
            actor=me.actor,
        )
        return f"{held.user_email} is no longer {role.replace('_', ' ')}"

    return act(request, session, number, me, "roles", change)


@router.post("/ui/incidents/{number}/notes")
def add_note(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Add a note to the timeline."""

    def change(incident: Incident) -> str:
        incidents.add_note(session, clock, incident, text=field(form, "text"), actor=me.actor)
        return "note added"

    return act(request, session, number, me, "timeline", change)
