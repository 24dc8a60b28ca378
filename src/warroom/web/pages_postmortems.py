"""Postmortem pages: the list (overdue first to see), one postmortem rendered with its review
buttons, the Markdown editor with a preview, and the exports.

Everything goes through `warroom.review.postmortems.service`, as the JSON API does; forms are
CSRF- and role-checked and answer with a 303 back (a refused step is flashed as the domain's
message). A refused save re-shows the editor with the text that was typed, never loses it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep
from warroom.errors import WarroomError
from warroom.incidents.access import hidden_incident_ids, visible_incident
from warroom.openapi import IncidentNumberPath
from warroom.principal import Principal
from warroom.review.postmortems import render as pm_render
from warroom.review.postmortems import service
from warroom.review.postmortems.config import postmortem_settings
from warroom.web.csrf import flash
from warroom.web.deps import CsrfForm, UiResponder, UiViewer
from warroom.web.forms import attempt, field, post_back
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
DONE = {
    "create": "created",
    "submit": "sent for review",
    "approve": "approved",
    "return": "returned to draft",
    "publish": "published",
}
Step = Annotated[Literal["submit", "approve", "return", "publish", "create"], Path()]


def _url(number: int, tail: str = "") -> str:
    return f"/ui/postmortems/{number}{tail}"


@router.get("/ui/postmortems", response_class=HTMLResponse)
def list_page(
    request: Request,
    me: UiViewer,
    session: SessionDep,
    clock: ClockDep,
    overdue: Annotated[bool, Query()] = False,
) -> Response:
    now = clock.now()
    hidden = hidden_incident_ids(session, me)
    shown = [
        (pm, inc, service.is_overdue(pm, now))
        for pm, inc in service.list_postmortems(session, now, overdue=overdue, hidden=hidden)
    ]
    rows = [{"pm": pm, "incident": inc, "overdue": late} for pm, inc, late in shown]
    # A drill's late postmortem is listed (marked) but, as in the API and the gauge, not
    # counted: it is practice, not a production figure.
    late = [inc for _, inc, is_late in shown if is_late]
    drills_late = sum(1 for inc in late if inc.drill)
    context = {
        "rows": rows,
        "only_overdue": overdue,
        "overdue_count": len(late) - drills_late,
        "drills_overdue": drills_late,
    }
    return render(request, "postmortems.html", context)


def _show_context(session: Session, clock: Clock, number: int, me: Principal) -> dict[str, object]:
    incident = visible_incident(session, number, me)
    pm = service.require(session, incident)
    markdown = service.markdown_of(session, incident, pm)
    return {
        "incident": incident,
        "pm": pm,
        "markdown": markdown,
        # markdown-it with raw HTML off: what people typed cannot inject markup or script.
        "body": Markup(pm_render.to_html(markdown)),
        "reviews": service.reviews_of(session, pm, current=False),
        "approvals": len(service.reviews_of(session, pm)),
        "approvals_needed": postmortem_settings(session).approvals,
        "overdue": service.is_overdue(pm, clock.now()),
        "may_act": me.allows("responder"),
        # The author, and whoever saved the text as it stands, may not approve it (four eyes).
        "not_approver": service.cannot_approve(session, pm, me.email),
    }


@router.get("/ui/postmortems/{number}", response_class=HTMLResponse)
def show_page(
    request: Request, number: IncidentNumberPath, me: UiViewer, session: SessionDep, clock: ClockDep
) -> Response:
    try:
        context = _show_context(session, clock, number, me)
    except WarroomError as exc:
        incident = None
        try:
            incident = visible_incident(session, number, me)
        except WarroomError:
            raise exc from None
        context = {"incident": incident, "missing": exc.message, "may_act": me.allows("responder")}
        return render(request, "postmortem_missing.html", context, status_code=404)
    return render(request, "postmortem.html", context)


@router.get("/ui/postmortems/{number}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, number: IncidentNumberPath, me: UiResponder, session: SessionDep
) -> Response:
    incident = visible_incident(session, number, me)
    pm = service.require(session, incident)
    context = {
        "incident": incident,
        "pm": pm,
        "markdown": service.markdown_of(session, incident, pm),
        "version": pm.version,
        "preview": None,
        "error": None,
    }
    return render(request, "postmortem_edit.html", context)


@router.post("/ui/postmortems/{number}/edit", response_class=HTMLResponse)
def edit_post(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Preview (render what was typed) or save it with the version it started from."""
    incident = visible_incident(session, number, me)
    pm = service.require(session, incident)
    text = str(form.get("markdown") or "")
    version_text = field(form, "version")
    context: dict[str, object] = {
        "incident": incident,
        "pm": pm,
        "markdown": text,
        "version": int(version_text) if version_text.isdigit() else 0,
        "preview": Markup(pm_render.to_html(text)),
        "error": None,
    }
    if field(form, "op") != "save":
        return render(request, "postmortem_edit.html", context)
    version = int(str(context["version"]))
    refused = attempt(
        session,
        lambda: service.save(
            session, clock, incident, markdown=text, version=version, actor=me.actor
        ),
    )
    if isinstance(refused, WarroomError):
        context["error"] = refused.message
        return render(request, "postmortem_edit.html", context, status_code=refused.status_code)
    flash(request, "ok", f"{incident.ref} postmortem saved")
    return RedirectResponse(_url(number), status_code=303)


@router.post("/ui/postmortems/{number}/{step}")
def step_post(
    request: Request,
    number: IncidentNumberPath,
    step: Step,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Create, submit, approve, return (with a reason) or publish; refusals are flashed."""

    def change() -> str:
        incident = visible_incident(session, number, me)
        if step == "create":
            due = service.required_due(session, incident)[1]
            due = due or postmortem_settings(session).default_due_within
            service.create(session, clock, incident, actor=me.actor, due_within=due)
        elif step == "submit":
            service.submit(session, clock, incident, actor=me.actor)
        elif step == "approve":
            service.approve(session, clock, incident, actor=me.actor, note=field(form, "note"))
        elif step == "return":
            service.return_to_draft(
                session, clock, incident, actor=me.actor, reason=field(form, "reason")
            )
        else:
            service.publish(session, clock, incident, actor=me.actor)
        return f"INC-{number} postmortem {DONE[step]}"

    return post_back(request, session, _url(number), change)


@router.get("/ui/postmortems/{number}/export.{kind}")
def export(
    number: IncidentNumberPath,
    kind: Annotated[Literal["md", "html"], Path()],
    me: UiViewer,
    session: SessionDep,
) -> Response:
    incident = visible_incident(session, number, me)
    markdown = service.markdown_of(session, incident, service.require(session, incident))
    name = f"INC-{incident.number}-postmortem.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "html":
        page = pm_render.html_document(f"Postmortem {incident.ref}: {incident.title}", markdown)
        return Response(page, media_type="text/html", headers=disposition)
    return Response(markdown, media_type="text/markdown", headers=disposition)
