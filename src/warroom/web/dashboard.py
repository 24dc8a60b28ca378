"""`/`: the dashboard of a signed-in person (else a redirect to the login page).

Open incidents grouped by severity (most severe first; a severity with more than a page open
says so and links to the incident list) with countdowns to their acknowledge,
resolve and next-update targets (the due times the API and `incident show` compute), the
pages sent to me lately, and who is on call now on every schedule. `/ui/dashboard/fragment`
renders the live part again; warroom.js fetches it on each `incidents` event of /ui/events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.catalog import service as catalog
from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep
from warroom.incidents import access, lifecycle, listing
from warroom.incidents import service as incidents
from warroom.incidents.present import due_times, updates_due
from warroom.incidents.schemas import DueTimes
from warroom.notify import service as notify
from warroom.paging import service as paging
from warroom.principal import Principal
from warroom.web.deps import OptionalUser, UiViewer
from warroom.web.render import render, render_fragment

router = APIRouter(include_in_schema=False)
MY_PAGES = 10


@dataclass(frozen=True)
class OpenIncident:
    incident: Any
    due: DueTimes


@dataclass(frozen=True)
class SeverityGroup:
    key: str
    name: str
    rank: int
    incidents: list[OpenIncident]
    more: bool = False  # more of this severity are open than the dashboard lists


def open_by_severity(session: Session, clock: Clock, me: Principal) -> list[SeverityGroup]:
    """Open incidents the person may see, grouped by severity, most severe first.

    One query while they fit in a page; past that, each known severity is read on its own (its
    newest `listing.MAX_PAGE`), so that a storm of minor incidents never hides a major one, and
    a group that is cut says so (`more`)."""
    viewer = None if me.allows("admin") else me.email
    opened = list(lifecycle.OPEN_STATUSES)
    limit = listing.MAX_PAGE
    rows, cursor = listing.list_incidents(session, status=opened, viewer=viewer, limit=limit)
    severities = catalog.severities_by_key(session)
    cut: set[str] = set()
    if cursor is not None:
        # Unknown severities (since removed from the config) keep what the first page held.
        by_id = {i.id: i for i in rows if i.severity not in severities}
        cut.update(i.severity for i in by_id.values())
        for key in severities:
            found, more = listing.list_incidents(
                session, status=opened, severity=[key], viewer=viewer, limit=limit
            )
            by_id.update((i.id, i) for i in found)
            if more is not None:
                cut.add(key)
        rows = list(by_id.values())
    now = clock.now()
    updates = updates_due(session, [i.id for i in rows])
    groups: dict[str, list[OpenIncident]] = {}
    for incident in sorted(rows, key=lambda i: (i.opened_at, i.id)):
        severity = severities.get(incident.severity)
        due = due_times(incident, severity, now, updates.get(incident.id, {}))
        groups.setdefault(incident.severity, []).append(OpenIncident(incident, due))
    result = []
    for key, items in groups.items():
        severity = severities.get(key)
        rank = severity.rank if severity is not None else 99
        name = severity.name if severity else key
        result.append(SeverityGroup(key, name, rank, items, more=key in cut))
    return sorted(result, key=lambda g: (g.rank, g.key))


@dataclass(frozen=True)
class MyPage:
    title: str
    channel: str
    state: str
    at: Any
    number: int | None


def my_pages(session: Session, me: Principal) -> list[MyPage]:
    """The latest page messages sent to me (one per channel and page), newest first."""
    hidden = access.hidden_incident_ids(session, me)
    messages = notify.list_messages(session, user_id=me.user_id, limit=MY_PAGES * 3, hidden=hidden)
    pages = [m for m in messages if m.purpose.startswith("page")][:MY_PAGES]
    numbers = {
        m.incident_id: incidents.get_incident_by_id(session, m.incident_id).number
        for m in pages
        if m.incident_id is not None
    }
    return [
        MyPage(
            m.title,
            notify.channel_of(m),
            m.state,
            m.created_at,
            numbers.get(m.incident_id) if m.incident_id is not None else None,
        )
        for m in pages
    ]


def dashboard_context(session: Session, clock: Clock, me: Principal) -> dict[str, Any]:
    groups = open_by_severity(session, clock, me)
    return {
        "groups": groups,
        "open_count": sum(len(g.incidents) for g in groups),
        "open_cut": any(g.more for g in groups),
        "my_pages": my_pages(session, me),
        "on_call": paging.on_call(session, clock.now()),
        "handoff_days": paging.HANDOFF_LOOK_AHEAD.days,
    }


@router.get("/")
def dashboard(request: Request, me: OptionalUser, session: SessionDep, clock: ClockDep) -> Response:
    if me is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "dashboard.html", dashboard_context(session, clock, me))


@router.get("/ui")
@router.get("/ui/")
def ui_root() -> Response:
    """The web UI's pages live under /ui/...; /ui itself is the dashboard at /."""
    return RedirectResponse("/", status_code=303)


@router.get("/ui/dashboard/fragment", response_class=HTMLResponse)
def dashboard_fragment(
    request: Request, me: UiViewer, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """The live part of the dashboard, for warroom.js to swap in."""
    context = dashboard_context(session, clock, me)
    return HTMLResponse(render_fragment(request, "_dashboard_live.html", context))
