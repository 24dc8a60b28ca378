"""The incident page's forms for what goes out and comes in: status updates and evidence.

The status-update composer posts here with one of two buttons: "Preview" renders the page
again with the texts as the `status_update` (internal) and `public_update` (public) templates
in force would send them, changing nothing; "Post" posts through the comms service. Evidence
files are uploaded as multipart forms, within the evidence service's size limit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from warroom.clock import Clock
from warroom.comms import service as comms
from warroom.comms.config import template_set
from warroom.comms.models import STATES
from warroom.comms.templates import TemplateProblem, context_of, when
from warroom.config.types import parse_duration
from warroom.errors import Invalid, PayloadTooLarge, WarroomError
from warroom.evidence import service as evidence
from warroom.incidents.access import visible_incident
from warroom.incidents.models import Incident
from warroom.web.deps import flash
from warroom.web.forms import attempt, field
from warroom.web.forms_incident import IncidentForm, IncidentFormDep, page_url
from warroom.web.pages_incidents import refused
from warroom.web.pages_incidents_view import incident_page
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
DRAFT_FIELDS = ("state", "internal", "public", "next_update", "force")


def _next_update(text: str) -> timedelta | None:
    if not text:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise Invalid(f"next update: {exc}", field="next_update") from None


def preview_texts(
    session: Session, clock: Clock, incident: Incident, form: FormData, author: str
) -> dict[str, Any]:
    """The internal and public messages this draft would send (nothing is stored)."""
    state = field(form, "state")
    if state not in STATES:
        raise Invalid(f"unknown state {state!r}; one of {', '.join(STATES)}", field="state")
    wait = _next_update(field(form, "next_update"))
    # When the severity's cadence makes the next update due, as posting would plan it.
    due = when(comms.due_after_posting(clock, session, incident, comms.INTERNAL, wait))
    public_due = when(comms.due_after_posting(clock, session, incident, comms.EXTERNAL, wait))
    templates = template_set(session)
    internal = templates.render(
        "status_update",
        context_of(
            ref=incident.ref,
            number=incident.number,
            title=incident.title,
            summary=incident.summary,
            severity=incident.severity,
            status=incident.status,
            state=state,
            start_time=when(incident.opened_at),
            affected_systems=incident.service_keys,
            impact=str((incident.impact or {}).get("description") or ""),
            next_update=due,
            text=field(form, "internal"),
            author=author,
        ),
    )
    public = field(form, "public")
    public_text = None
    if public:
        ctx = context_of(state=state, status_word=state, text=public, next_update=public_due)
        public_text = templates.render("public_update", ctx)
    return {"internal": internal, "public": public_text}


def _draft(form: FormData) -> dict[str, str]:
    return {name: field(form, name) for name in DRAFT_FIELDS}


def _preview_page(post: IncidentForm, refusal: WarroomError | None = None) -> Response:
    """The incident page again, with the draft and what it would send (nothing stored); or,
    when posting it was refused, with the draft as typed and why (nothing is lost)."""
    try:
        incident = visible_incident(post.session, post.number, post.me)
    except WarroomError as exc:
        return refused(post.request, exc)
    context = incident_page(post.session, incident, post.me, post.settings, post.clock.now())
    context["draft"] = _draft(post.form)
    if refusal is not None:
        context["preview"] = None
        context["preview_error"] = f"Not posted: {refusal.message}"
        return render(post.request, "incident.html", context, status_code=refusal.status_code)
    try:
        context["preview"] = preview_texts(
            post.session, post.clock, incident, post.form, post.me.actor
        )
    except (WarroomError, TemplateProblem) as exc:
        context["preview"] = None
        context["preview_error"] = getattr(exc, "message", str(exc))
    return render(post.request, "incident.html", context)


@router.post("/ui/incidents/{number}/updates", response_model=None)
def post_update(
    post: IncidentFormDep,
) -> Response:
    """Preview the draft, or post it: internal text to the channels, public to the status page."""
    if post.field("do") == "preview":
        return _preview_page(post)

    def change(incident: Incident) -> str:
        wait = _next_update(post.field("next_update"))
        update = comms.post_update(
            post.session,
            post.clock,
            number=incident.number,
            state=post.field("state"),
            internal=post.field("internal"),
            public=post.field("public") or None,
            next_update=wait,
            actor=post.me.actor,
            smtp_url=post.settings.smtp_url,
            force=post.checked("force"),
        )
        cadence_note = comms.cadence_note(post.session, incident, update, wait)
        if cadence_note:
            flash(post.request, "info", f"update posted; note: {cadence_note}")
        warning = comms.unreached_warning(update, incident)
        if warning:
            flash(post.request, "info", f"update posted, but {warning}")
        note = comms.unpublished_note(post.session, update, incident)
        if note:
            flash(post.request, "info", f"update posted; {note}")
        audiences = "internal and public" if update.public_text else "internal"
        return f"{audiences} status update posted ({update.state})"

    done = attempt(
        post.session, lambda: change(visible_incident(post.session, post.number, post.me))
    )
    if isinstance(done, WarroomError):
        return _preview_page(post, done)
    flash(post.request, "ok", done)
    return RedirectResponse(page_url(post.number, "updates"), status_code=303)


def _upload(form: FormData, limit: int) -> tuple[UploadFile, bytes]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("choose a file to upload", field="file")
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the file is larger than the limit of {limit} bytes", field="file")
    return upload, data


@router.post("/ui/incidents/{number}/evidence")
def upload_evidence(
    post: IncidentFormDep,
) -> RedirectResponse:
    """Add a file to the evidence locker (hashed, recorded on the timeline)."""

    def change(incident: Incident) -> str:
        limit = post.settings.evidence_max_bytes
        upload, data = _upload(post.form, limit)
        item = evidence.add_evidence(
            post.session,
            post.clock,
            incident,
            kind="file",
            name=post.field("name") or upload.filename or "upload",
            content=data,
            content_type=upload.content_type,
            description=post.field("description"),
            actor=post.me.actor,
            max_bytes=limit,
        )
        return f"evidence {item.name} added ({item.size} bytes)"

    return post.act("evidence", change)
