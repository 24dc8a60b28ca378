"""Routes of paging: schedules, on-call, overrides, feeds, escalation, one-click page links."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from warroom.clock import utc
from warroom.deps import Admin, ClockDep, Responder, SessionDep, SettingsDep, Viewer
from warroom.errors import Conflict, NotFound
from warroom.incidents.access import visible_incident
from warroom.openapi import API_ERRORS, IdPath, IncidentNumberPath
from warroom.paging import links, service
from warroom.paging.models import EscalationPolicy
from warroom.paging.people import new_feed_token, user_feed_token
from warroom.paging.schedules import Shift
from warroom.paging.schemas import (
    EscalateIn,
    EscalationStateOut,
    FeedOut,
    OnCallOut,
    OverrideIn,
    OverrideOut,
    PageOut,
    PolicyOut,
    ScheduleOut,
    ShiftOut,
)

router = APIRouter(tags=["paging"], responses=API_ERRORS)
API = "/api/v1"


def _shift(s: Shift) -> ShiftOut:
    return ShiftOut(start=s.start, end=s.end, user=s.user, layer=s.layer, override_id=s.override_id)


@router.get(f"{API}/schedules", response_model=list[ScheduleOut])
def list_schedules(_: Viewer, session: SessionDep) -> list[ScheduleOut]:
    return [ScheduleOut.model_validate(s) for s in service.list_schedules(session)]


@router.get(f"{API}/schedules/{{key}}", response_model=ScheduleOut)
def show_schedule(key: str, _: Viewer, session: SessionDep) -> ScheduleOut:
    return ScheduleOut.model_validate(service.get_schedule(session, key))


@router.get(f"{API}/schedules/{{key}}/shifts", response_model=list[ShiftOut])
def schedule_shifts(
    key: str,
    _: Viewer,
    session: SessionDep,
    start: Annotated[datetime, Query()],
    end: Annotated[datetime, Query()],
) -> list[ShiftOut]:
    return [_shift(s) for s in service.shifts(session, key, utc(start), utc(end))]


@router.get(f"{API}/oncall", response_model=list[OnCallOut])
def on_call(
    _: Viewer,
    session: SessionDep,
    clock: ClockDep,
    schedule: str | None = None,
    at: datetime | None = None,
) -> list[OnCallOut]:
    when = utc(at) if at is not None else clock.now()
    return [
        OnCallOut(
            schedule=o.schedule.key,
            name=o.schedule.name,
            time_zone=o.schedule.time_zone,
            now=_shift(o.current),
            next=_shift(o.following) if o.following else None,
        )
        for o in service.on_call(session, when, schedule)
    ]


@router.get(f"{API}/schedules/{{key}}/overrides", response_model=list[OverrideOut])
def list_overrides(
    key: str, _: Viewer, session: SessionDep, clock: ClockDep, past: bool = False
) -> list[OverrideOut]:
    rows = service.list_overrides(session, clock, key, include_past=past)
    return [OverrideOut.model_validate(o) for o in rows]


@router.post(f"{API}/schedules/{{key}}/overrides", response_model=OverrideOut, status_code=201)
def add_override(
    key: str, body: OverrideIn, principal: Responder, session: SessionDep, clock: ClockDep
) -> OverrideOut:
    row = service.add_override(
        session,
        clock,
        schedule=key,
        user=body.user,
        start=body.start,
        end=body.end,
        replaces=body.replaces,
        reason=body.reason,
        actor=principal.actor,
    )
    out = OverrideOut.model_validate(row)
    session.commit()
    return out


@router.delete(f"{API}/schedules/{{key}}/overrides/{{override_id}}", response_model=OverrideOut)
def remove_override(
    key: str, override_id: IdPath, principal: Responder, session: SessionDep, clock: ClockDep
) -> OverrideOut:
    row = service.remove_override(
        session, clock, schedule=key, override_id=override_id, actor=principal.actor
    )
    out = OverrideOut.model_validate(row)
    session.commit()
    return out


@router.get(f"{API}/schedules/{{key}}/feed", response_model=FeedOut)
def schedule_feed_url(key: str, _: Viewer, session: SessionDep, settings: SettingsDep) -> FeedOut:
    row = service.get_schedule(session, key)
    return FeedOut(url=f"{settings.public_url.rstrip('/')}/ical/schedules/{row.feed_token}.ics")


@router.post(f"{API}/schedules/{{key}}/feed/rotate", response_model=FeedOut)
def rotate_schedule_feed(key: str, _: Admin, session: SessionDep, settings: SettingsDep) -> FeedOut:
    """A new secret URL; the old one stops working (e.g. after it leaked)."""
    row = service.get_schedule(session, key)
    row.feed_token = new_feed_token()
    session.commit()
    return FeedOut(url=f"{settings.public_url.rstrip('/')}/ical/schedules/{row.feed_token}.ics")


@router.get(f"{API}/me/feed", response_model=FeedOut)
def my_feed_url(principal: Viewer, session: SessionDep, settings: SettingsDep) -> FeedOut:
    from warroom.auth.models import User

    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound("no such user", field="user")
    token = user_feed_token(session, user)
    session.commit()
    return FeedOut(url=f"{settings.public_url.rstrip('/')}/ical/users/{token}.ics")


def _ics(text: str) -> Response:
    return Response(text, media_type="text/calendar; charset=utf-8")


@router.get("/ical/schedules/{token}.ics", include_in_schema=False)
def schedule_ics(token: str, session: SessionDep, clock: ClockDep) -> Response:
    return _ics(service.schedule_feed(session, clock, token))


@router.get("/ical/users/{token}.ics", include_in_schema=False)
def user_ics(token: str, session: SessionDep, clock: ClockDep) -> Response:
    return _ics(service.user_feed(session, clock, token))


@router.get(f"{API}/escalation-policies", response_model=list[PolicyOut])
def list_policies(_: Viewer, session: SessionDep) -> list[PolicyOut]:
    rows = session.scalars(
        select(EscalationPolicy)
        .where(EscalationPolicy.active.is_(True))
        .order_by(EscalationPolicy.key)
    )
    return [PolicyOut.model_validate(p) for p in rows]


@router.post(f"{API}/incidents/{{number}}/escalate", response_model=list[PageOut], status_code=201)
def escalate(
    number: IncidentNumberPath,
    body: EscalateIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> list[PageOut]:
    visible_incident(session, number, principal)
    pages = service.escalate(
        session,
        clock,
        settings,
        number=number,
        to=body.to,
        checklist=body.model_dump(include={"summary", "actions_taken", "why", "need"}),
        actor=principal.actor,
    )
    out = [PageOut.model_validate(p) for p in pages]
    session.commit()
    return out


@router.get(f"{API}/incidents/{{number}}/escalation", response_model=EscalationStateOut)
def show_escalation(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep
) -> EscalationStateOut:
    visible_incident(session, number, principal)
    return EscalationStateOut.model_validate(service.escalation_of(session, number))


@router.get(f"{API}/incidents/{{number}}/pages", response_model=list[PageOut])
def list_pages(number: IncidentNumberPath, principal: Viewer, session: SessionDep) -> list[PageOut]:
    visible_incident(session, number, principal)
    return [PageOut.model_validate(p) for p in service.pages_of(session, number)]


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
button,a.open{{display:block;box-sizing:border-box;font-size:1.3rem;padding:.8rem 1.6rem;width:100%;
text-align:center;margin-top:1rem;min-height:3rem}}</style></head>
<body><h1>{title}</h1><p>{text}</p>{form}</body></html>"""
LABELS = {"ack": "Acknowledge", "resolve": "Resolve"}


def _page(title: str, text: str, form: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        PAGE.format(title=html.escape(title), text=html.escape(text), form=form),
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get("/p/{token}", include_in_schema=False)
def link_confirm(
    token: str, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> HTMLResponse:
    """Show what the link would do; only the POST acts (link previewers GET every URL)."""
    try:
        claims, incident = service.check_link(session, settings, clock, token)
    except (links.LinkError, NotFound) as exc:
        return _page("Link not usable", str(exc), status=410)
    label = LABELS[claims.purpose]
    button = f"{label} {html.escape(incident.ref)}"
    form = f'<form method="post"><button type="submit">{button}</button></form>'
    text = f"{incident.ref} [{incident.severity}] {incident.title} — status {incident.status}."
    return _page(f"{label} {incident.ref}?", text, form)


@router.post("/p/{token}", include_in_schema=False)
def link_act(
    token: str, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> HTMLResponse:
    """Acknowledge or resolve, once, as the person the page went to."""
    try:
        done, incident = service.use_link(session, settings, clock, token)
    except (links.LinkError, NotFound) as exc:
        session.rollback()
        return _page("Link not usable", str(exc), status=410)
    except Conflict as exc:  # refused (mitigations still active): nothing done, link unused
        session.rollback()
        number = links.verify_token(settings.secret_key, token, now=clock.now()).incident_number
        link = f'<a class="open" href="/ui/incidents/{number}">Open the incident</a>'
        return _page("Not resolved", str(exc), link, status=409)
    session.commit()
    # The second tap: the incident page (which asks to sign in first if needed).
    link = f'<a class="open" href="/ui/incidents/{incident.number}">Open the incident</a>'
    return _page(done, f"{incident.ref}: {incident.title}", link)
