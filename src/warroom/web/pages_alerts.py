"""Alerts and silences: the alert list (firing/resolved, filters, the incident each one joined)
and silences (list, create with matchers and a duration, expire), through the intake service
with the API's rules: alerts of private incidents the person is no member of are not shown."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep
from warroom.errors import Invalid, NotFound, WarroomError
from warroom.incidents.access import hidden_incident_ids, may_see_incident_id, visible_incident
from warroom.incidents.models import Incident
from warroom.intake import service as intake
from warroom.intake.models import Alert
from warroom.intake.routing import Matcher, MatcherError, parse_matcher
from warroom.principal import Principal
from warroom.web import formkit
from warroom.web.deps import CsrfForm, UiResponder, UiViewer, flash
from warroom.web.formkit import person_zone, say
from warroom.web.oncall_calendar import SkippedTime, parse_local
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
STATUSES = ("open", "firing", "resolved")
FILTERS = ("status", "service", "integration", "label", "incident", "before")
SILENCE_FIELDS = ("matchers", "duration", "starts_at", "comment")
SILENCES_LISTED = 1000  # the most intake.list_silences reads (newest first)


def _filters(params: Any) -> dict[str, str]:
    found = formkit.values(params, FILTERS)
    if found["status"] not in (*STATUSES, "all"):
        found["status"] = "open"
    return found


def _before(text: str) -> int | None:
    """The `before=` alert id of an older page; one past any id is the first page."""
    return int(text) if text.isdecimal() and len(text) < 10 else None


def _incident(session: Session, me: Principal, text: str) -> Incident | None:
    """The incident `incident=` names (INC-7 or 7), if the person may see it: an unknown one
    is a 404 page, and so is a private one they are no member of."""
    if not text:
        return None
    digits = text.upper().removeprefix("INC-")
    if not digits.isdecimal() or len(digits) > 9:
        raise Invalid(f"{text!r} is not an incident number like 7 or INC-7", field="incident")
    return visible_incident(session, int(digits), me)


@router.get("/ui/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, me: UiViewer, session: SessionDep) -> Response:
    """Alerts newest first; filters by status, service, integration, a label matcher and the
    incident they joined."""
    shown = _filters(request.query_params)
    incident = _incident(session, me, shown["incident"])
    error: str | None = None
    alerts: list[Any] = []
    try:
        alerts = intake.list_alerts(
            session,
            status=None if shown["status"] == "all" else shown["status"],
            service=shown["service"] or None,
            integration=shown["integration"] or None,
            incident_id=incident.id if incident else None,
            label=[shown["label"]] if shown["label"] else None,
            limit=PAGE_SIZE,
            before_id=_before(shown["before"]),
            # Left out in the query, before its limit: a short page would tell they exist.
            hidden=hidden_incident_ids(session, me),
        )
    except WarroomError as exc:
        error = say(exc)
    more = len(alerts) == PAGE_SIZE and alerts
    context = {
        "alerts": alerts,
        "filters": shown,
        "incident": incident,
        "statuses": (*STATUSES, "all"),
        "error": error,
        "can_silence": me.allows("responder"),
        "next_before": alerts[-1].id if more else None,
        "tz": person_zone(session, me),
    }
    return render(request, "alerts.html", context, status_code=422 if error else 200)


@router.get("/ui/silences", response_class=HTMLResponse)
def silences_page(request: Request, me: UiViewer, session: SessionDep, clock: ClockDep) -> Response:
    """The silences; `?alert=ID` (the alerts page's Silence link) fills the new-silence form
    with that alert's labels as matchers."""
    show_all = request.query_params.get("all") == "1"
    form = {"duration": "2h"}
    source = _source_alert(session, me, request.query_params.get("alert", ""))
    if source is not None:
        form["matchers"] = "\n".join(_matchers_of(source.labels))
    return _silences(request, session, clock, me, show_all, form, source=source)


def _source_alert(session: Session, me: Principal, text: str) -> Alert | None:
    """The alert `alert=` names, if the person may see it: an unknown one, or one of a
    private incident they are no member of, is a 404 page."""
    if not text:
        return None
    if not text.isdecimal() or len(text) > 9:
        raise Invalid(f"{text!r} is not an alert number like 12", field="alert")
    alert = intake.get_alert(session, int(text))
    if not may_see_incident_id(session, me, alert.incident_id):
        raise NotFound(f"no alert {text}", field="alert")
    return alert


def _matchers_of(labels: dict[str, Any]) -> list[str]:
    """One equality matcher per label, those a matcher can say exactly (one line, a name
    matchers accept); the responder edits the list before creating the silence."""
    found = []
    for name, value in sorted(labels.items()):
        text = str(Matcher(str(name), "=", str(value)))
        if "\n" in text or "\r" in text:
            continue
        try:
            if parse_matcher(text).value == str(value):
                found.append(text)
        except MatcherError:
            continue
    return found


def _silences(
    request: Request,
    session: Session,
    clock: Clock,
    me: Principal,
    show_all: bool,
    form: dict[str, str],
    error: WarroomError | None = None,
    source: Alert | None = None,
) -> HTMLResponse:
    now = clock.now()
    rows = intake.list_silences(session, clock, include_expired=show_all)
    context = {
        "silences": [(s, intake.silence_state(s, now)) for s in rows],
        "show_all": show_all,
        "cut": len(rows) >= SILENCES_LISTED,
        "listed": SILENCES_LISTED,
        "can_edit": me.allows("responder"),
        "form": form,
        "error": error,
        "source": source,
        "tz": person_zone(session, me),
    }
    return render(request, "silences.html", context, status_code=422 if error else 200)


@router.post("/ui/silences", response_class=HTMLResponse)
def add_silence(
    request: Request, me: UiResponder, form: CsrfForm, session: SessionDep, clock: ClockDep
) -> Response:
    """Create a silence: one matcher per line, a duration (or an end), a comment saying why."""
    values = formkit.values(form, SILENCE_FIELDS)
    tz = person_zone(session, me)
    try:
        silence = intake.add_silence(
            session,
            clock,
            matchers=[line.strip() for line in values["matchers"].splitlines() if line.strip()],
            author=me.actor,
            comment=values["comment"],
            starts_at=_start(values["starts_at"], tz),
            duration=formkit.required(values, "duration"),
        )
    except WarroomError as exc:
        session.rollback()
        return _silences(request, session, clock, me, False, values, error=exc)
    session.commit()
    end = silence.ends_at.astimezone(tz)
    flash(request, "ok", f"Silence {silence.id} created, until {end:%Y-%m-%d %H:%M} ({tz})")
    return RedirectResponse("/ui/silences", status_code=303)


def _start(text: str, tz: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        return parse_local(text, tz)
    except SkippedTime as exc:
        raise Invalid(str(exc), field="starts_at") from None
    except ValueError:
        message = f"{text!r} is not a date and time like 2026-03-01T09:00"
        raise Invalid(message, field="starts_at") from None


@router.post("/ui/silences/{silence_id}/expire")
def expire_silence(
    request: Request,
    silence_id: int,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """End a silence now."""
    try:
        intake.expire_silence(session, clock, silence_id)
    except WarroomError as exc:
        session.rollback()
        flash(request, "error", say(exc))
    else:
        session.commit()
        flash(request, "ok", f"Silence {silence_id} expired")
    return RedirectResponse("/ui/silences", status_code=303)
