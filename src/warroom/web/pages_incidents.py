"""The incident pages: the list (`/ui/incidents`) and one incident (`/ui/incidents/{number}`).

Reads go through the domains' services with the API's access rules: a private incident is
listed and shown only to its members and admins (`incidents.access`). The incident page's
forms post to the routes of `forms_incident*.py`; its timeline follows `/ui/events` and pulls
the new events as an HTML fragment from `/ui/incidents/{number}/timeline?after=SEQ`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from warroom.catalog import service as catalog
from warroom.catalog.service import severities_by_key
from warroom.deps import ClockDep, SessionDep, SettingsDep
from warroom.errors import Invalid, WarroomError
from warroom.evidence import service as evidence
from warroom.incidents import lifecycle
from warroom.incidents.access import visible_incident
from warroom.incidents.listing import list_rows
from warroom.incidents.present import incident_list
from warroom.openapi import IdPath, IncidentNumberPath
from warroom.principal import Principal
from warroom.web.deps import UiViewer
from warroom.web.pages_incidents_view import incident_page, older_events, timeline_events
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def refused(request: Request, exc: WarroomError) -> HTMLResponse:
    """The page shown instead of an incident the person may not see (or that does not exist)."""
    return render(
        request,
        "incident_refused.html",
        {"message": exc.message},
        status_code=exc.status_code,
    )


def _filters(state: str, severity: str, service: str) -> dict[str, Any]:
    return {
        "status": list(lifecycle.OPEN_STATUSES) if state != "all" else None,
        "severity": [severity] if severity else None,
        "service": service or None,
    }


def _list(session: Session, me: Principal, filters: dict[str, Any], cursor: str | None) -> Any:
    return list_rows(
        session,
        **filters,
        cursor=cursor or None,
        limit=PAGE_SIZE,
        viewer=None if me.allows("admin") else me.email,
    )


def _known_filter(name: str, value: str, allowed: list[str], offered: list[str]) -> None:
    """A filter naming a severity or service the config does not have is refused: an empty
    list under a form showing "Any" read as nothing being open."""
    if value and value not in allowed:
        raise Invalid(f"unknown {name} {value!r}; one of {', '.join(offered)}", field=name)


@router.get("/ui/incidents", response_class=HTMLResponse)
def incidents_list(
    request: Request,
    me: UiViewer,
    session: SessionDep,
    clock: ClockDep,
    state: Annotated[str, Query(pattern="^(open|all)$")] = "open",
    severity: Annotated[str, Query(max_length=32)] = "",
    service: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Incidents newest first, filtered (open or all, severity, service), a page at a time."""
    known = severities_by_key(session)
    every_service = catalog.list_services(session, include_inactive=True)
    context: dict[str, Any] = {
        "state": state,
        "severity": severity,
        "service": service,
        "cursor": cursor,
        "severities": sorted(known.values(), key=lambda s: s.rank),
        # An inactive service is offered only when chosen (its old incidents stay findable).
        "services": [s for s in every_service if s.active or s.key == service],
        "items": [],
        "next_cursor": None,
        "error": None,
        "error_field": None,
    }
    try:
        severity_keys = [s.key for s in context["severities"]]
        _known_filter("severity", severity, severity_keys, severity_keys)
        active = [s.key for s in every_service if s.active]
        _known_filter("service", service, [s.key for s in every_service], active)
        rows, services, next_cursor = _list(session, me, _filters(state, severity, service), cursor)
    except WarroomError as exc:
        context["error"] = exc.message
        context["error_field"] = exc.field
        return render(request, "incidents.html", context, status_code=exc.status_code)
    context["items"] = incident_list(session, rows, known, clock.now(), services)
    context["next_cursor"] = next_cursor
    return render(request, "incidents.html", context)


@router.get("/ui/incidents/{number}", response_class=HTMLResponse)
def incident_show(
    request: Request,
    number: IncidentNumberPath,
    me: UiViewer,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The incident page: status, roles, timeline, runbooks, actions, updates, paging."""
    try:
        incident = visible_incident(session, number, me)
    except WarroomError as exc:
        return refused(request, exc)
    context = incident_page(session, incident, me, settings, clock.now())
    context["preview"] = None
    context["draft"] = {}
    return render(request, "incident.html", context)


@router.get("/ui/incidents/{number}/timeline", response_class=HTMLResponse)
def incident_timeline(
    request: Request,
    number: IncidentNumberPath,
    me: UiViewer,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> HTMLResponse:
    """The timeline events after `after` (newest first), as the page's list items."""
    try:
        incident = visible_incident(session, number, me)
    except WarroomError as exc:
        return refused(request, exc)
    events = timeline_events(session, incident, after_seq=after)
    return render(request, "_timeline_events.html", {"events": events, "incident": incident})


@router.get("/ui/incidents/{number}/events", response_class=HTMLResponse)
def incident_older_events(
    request: Request,
    number: IncidentNumberPath,
    me: UiViewer,
    session: SessionDep,
    before: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> HTMLResponse:
    """The timeline's events before `before`, newest first, a page at a time (the incident
    page shows only the newest)."""
    try:
        incident = visible_incident(session, number, me)
    except WarroomError as exc:
        return refused(request, exc)
    events, older = older_events(session, incident, before)
    context = {"incident": incident, "events": events, "before": before, "older": older}
    return render(request, "incident_events.html", context)


@router.get("/ui/incidents/{number}/evidence/{item_id}")
def evidence_download(
    request: Request,
    number: IncidentNumberPath,
    item_id: IdPath,
    me: UiViewer,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """An evidence item's content, with the API's checks; the download is on the timeline."""
    try:
        incident = visible_incident(session, number, me)
        item, data = evidence.download(session, clock, incident, item_id, actor=me.actor)
    except WarroomError as exc:
        session.rollback()
        return refused(request, exc)
    session.commit()
    return Response(
        data,
        media_type=evidence.served_type(item),
        headers=evidence.download_headers(item),  # the API's: attachment, nosniff, sandbox
    )
