"""The incident page's forms for the incident itself: lifecycle, severity, roles, notes.

Every route of the incident page's forms (here and in `forms_incident_*`) takes an
`IncidentFormDep`: the role (`UiResponder`) and then the CSRF token (`CsrfForm`) are checked
before it runs. It calls the same service function as the JSON API (with the same access rule,
`visible_incident`), commits, and redirects back to the page (`IncidentForm.act`, through
`warroom.web.forms.post_back`). A refused change is rolled back and its domain message is
flashed on the page instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep, SettingsDep
from warroom.errors import Conflict, WarroomError
from warroom.incidents import service as incidents
from warroom.incidents.access import visible_incident
from warroom.incidents.models import Incident
from warroom.openapi import IncidentNumberPath
from warroom.principal import Principal
from warroom.review.postmortems.service import CloseRefused
from warroom.settings import Settings
from warroom.web.csrf import flash
from warroom.web.deps import CsrfForm, UiResponder
from warroom.web.forms import attempt, checked, field, post_back
from warroom.web.pages_incidents import refused
from warroom.web.pages_incidents_view import incident_page
from warroom.web.render import render

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


@dataclass
class IncidentForm:
    """What every form of the incident page is posted with, once the role and then the CSRF
    token were checked: the request, the incident's number, who posts, the form's fields, a
    session, the clock and the settings."""

    request: Request
    number: int
    me: Principal
    form: FormData
    session: Session
    clock: Clock
    settings: Settings

    def field(self, name: str) -> str:
        return field(self.form, name)

    def checked(self, name: str) -> bool:
        return checked(self.form, name)

    def act(self, anchor: str, change: Callable[[Incident], str]) -> RedirectResponse:
        """`act` on this form's incident, back to the page at `anchor`."""
        return act(self.request, self.session, self.number, self.me, anchor, change)

    def act_keeping(self, anchor: str, change: Callable[[Incident], str], *fields: str) -> Response:
        """As `act`; but a refusal shows the page again, these fields as typed in the form of
        section `anchor` and why (`kept` in the page's context), rather than losing them."""
        done = attempt(
            self.session, lambda: change(visible_incident(self.session, self.number, self.me))
        )
        if not isinstance(done, WarroomError):
            flash(self.request, "ok", done)
            return RedirectResponse(page_url(self.number, anchor), status_code=303)
        try:
            incident = visible_incident(self.session, self.number, self.me)
        except WarroomError as exc:
            return refused(self.request, exc)
        context = incident_page(self.session, incident, self.me, self.settings, self.clock.now())
        context["preview"], context["draft"] = None, {}
        context["kept"] = {"form": anchor, "error": done.message}
        context["kept"].update({name: self.field(name) for name in fields})
        return render(self.request, "incident.html", context, status_code=done.status_code)


def _incident_form(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> IncidentForm:
    return IncidentForm(request, number, me, form, session, clock, settings)


IncidentFormDep = Annotated[IncidentForm, Depends(_incident_form)]


@router.post("/ui/incidents/{number}/status/{action}")
def change_status(
    post: IncidentFormDep,
    action: ActionPath,
) -> RedirectResponse:
    """Acknowledge, mitigate, resolve, close or reopen, as the lifecycle allows."""
    note = post.field("note")

    def change(incident: Incident) -> str:
        if action == "resolve":
            force = post.checked("force")
            incidents.resolve(
                post.session, post.clock, incident, actor=post.me.actor, note=note, force=force
            )
        else:
            move = {
                "ack": incidents.acknowledge,
                "mitigate": incidents.mitigate,
                "close": incidents.close,
                "reopen": incidents.reopen,
            }[action]
            try:
                move(post.session, post.clock, incident, actor=post.me.actor, note=note)
            except CloseRefused as refused:  # its CLI command is no help on this page
                raise Conflict(
                    f"{refused.reason}: open Postmortem at the top of this page to write, "
                    "submit and publish it",
                    field="postmortem",
                ) from None
        return f"{incident.ref} {DONE[action]}"

    return post.act("status", change)


@router.post("/ui/incidents/{number}/severity", response_model=None)
def change_severity(
    post: IncidentFormDep,
) -> Response:
    """Raise or lower the severity, with the reason the service requires."""

    def change(incident: Incident) -> str:
        severity = post.field("severity")
        incidents.change_severity(
            post.session,
            post.clock,
            incident,
            severity=severity,
            reason=post.field("reason"),
            actor=post.me.actor,
        )
        return f"{incident.ref} is now {severity}"

    return post.act_keeping("status", change, "severity", "reason")


@router.post("/ui/incidents/{number}/roles")
def assign_role(
    post: IncidentFormDep,
) -> RedirectResponse:
    """Give someone a role; without an e-mail address, take it yourself."""

    def change(incident: Incident) -> str:
        role = post.field("role")
        email = post.field("user_email") or post.me.email
        held = incidents.assign_role(
            post.session, post.clock, incident, role=role, user_email=email, actor=post.me.actor
        )
        return f"{held.user_email} is {role.replace('_', ' ')}"

    return post.act("roles", change)


@router.post("/ui/incidents/{number}/roles/release")
def release_role(
    post: IncidentFormDep,
) -> RedirectResponse:
    """Take a role away from its holder."""

    def change(incident: Incident) -> str:
        role = post.field("role")
        held = incidents.unassign_role(
            post.session,
            post.clock,
            incident,
            role=role,
            user_email=post.field("user_email"),
            actor=post.me.actor,
        )
        return f"{held.user_email} is no longer {role.replace('_', ' ')}"

    return post.act("roles", change)


@router.post("/ui/incidents/{number}/notes", response_model=None)
def add_note(
    post: IncidentFormDep,
) -> Response:
    """Add a note to the timeline."""

    def change(incident: Incident) -> str:
        incidents.add_note(
            post.session, post.clock, incident, text=post.field("text"), actor=post.me.actor
        )
        return "note added"

    return post.act_keeping("timeline", change, "text")
