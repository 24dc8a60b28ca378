"""Action item pages: the list (filters, overdue flag), one item with its edit form, status
buttons and export, and an incident's items with the form that adds one.

Everything goes through `warroom.review.action_items.service`, as the JSON API does; forms are
CSRF- and role-checked. A refused add or edit re-shows the form with what was typed and the
domain's message naming the field (422); status changes and exports answer with a 303 back and a
flashed message.

A due date is the signed-in person's (users.time_zone, UTC when unset), as `warroom action-item
--due` reads it in WARROOM_TZ: a date is due by the end of that day in their zone, and the edit
form shows the date there; the API alone, for programs, reads a date as the end of the day in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.deps import ClockDep, SessionDep
from warroom.errors import Invalid, NotFound, WarroomError
from warroom.incidents import service as incidents
from warroom.incidents.access import hidden_incident_ids, may_see_incident_id, visible_incident
from warroom.openapi import INCIDENT_NUMBER, IdPath, IncidentNumberPath
from warroom.principal import Principal
from warroom.review.action_items import export, service
from warroom.review.action_items.config import options
from warroom.review.action_items.models import STATUSES, ActionItem
from warroom.review.action_items.schemas import parse_due
from warroom.web.csrf import flash
from warroom.web.deps import CsrfForm, UiResponder, UiViewer
from warroom.web.formkit import person_zone, say, values
from warroom.web.forms import attempt, post_back
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
FIELDS = ("title", "owner", "impact", "effort", "due", "due_was", "status", "description")


def _row(session: Session, item: ActionItem, now: datetime) -> dict[str, Any]:
    incident = incidents.get_incident_by_id(session, item.incident_id)
    return {"item": item, "incident": incident, "overdue": service.is_overdue(item, now)}


def _people(session: Session) -> list[str]:
    """Everyone active: the list's owner filter finds items whoever holds them."""
    return [u.email for u in auth_service.list_users(session) if u.active]


def _owners(session: Session) -> list[str]:
    """Whom the add and edit forms offer: an owner must be able to mark the item done."""
    return [u.email for u in auth_service.list_users(session) if u.active and u.role != "viewer"]


def _visible(session: Session, item_id: int, me: Principal) -> ActionItem:
    item = service.get(session, item_id)
    if not may_see_incident_id(session, me, item.incident_id):
        raise NotFound(f"no action item {item_id}", field="id")
    return item


def _incident_filter(session: Session, text: str | None, me: Principal) -> int | None:
    if not text:
        return None
    if not INCIDENT_NUMBER.match(text.strip()):
        raise Invalid(f"{text!r} is not an incident number such as INC-42", field="incident")
    digits = text.strip()[4:] if text.strip()[:4].upper() == "INC-" else text.strip()
    return visible_incident(session, int(digits), me).id


@router.get("/ui/action-items", response_class=HTMLResponse)
def list_page(
    request: Request,
    me: UiViewer,
    session: SessionDep,
    clock: ClockDep,
    overdue: Annotated[bool, Query()] = False,
    owner: Annotated[str, Query(max_length=320)] = "",
    incident: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    now, error, rows = clock.now(), None, []
    try:
        items = service.list_items(
            session,
            now,
            overdue=overdue,
            owner=owner or None,
            incident_id=_incident_filter(session, incident, me),
            status=status or None,
            hidden=hidden_incident_ids(session, me),
        )
        rows = [_row(session, item, now) for item in items]
    except WarroomError as exc:
        error = say(exc)
    context = {
        "rows": rows,
        "error": error,
        "filters": {"overdue": overdue, "owner": owner, "incident": incident, "status": status},
        "statuses": STATUSES,
        "people": _people(session),
    }
    return render(request, "action_items.html", context, status_code=422 if error else 200)


def _item_context(
    session: Session, item: ActionItem, me: Principal, now: datetime
) -> dict[str, Any]:
    zone = person_zone(session, me)
    due = item.due_at.astimezone(zone).strftime("%Y-%m-%d") if item.due_at else ""
    return _row(session, item, now) | {
        "zone": str(zone),
        "may_act": me.allows("responder"),
        "statuses": STATUSES,
        "people": _owners(session),
        "export_enabled": options(session).export_enabled,
        "form": {
            "title": item.title,
            "owner": item.owner,
            "impact": item.impact,
            "effort": item.effort,
            "due": due,
            "due_was": due,
            "status": item.status,
            "description": item.description,
        },
        "error": None,
    }


@router.get("/ui/action-items/{item_id}", response_class=HTMLResponse)
def item_page(
    request: Request, item_id: IdPath, me: UiViewer, session: SessionDep, clock: ClockDep
) -> Response:
    item = _visible(session, item_id, me)
    return render(request, "action_items_item.html", _item_context(session, item, me, clock.now()))


def _changes(found: dict[str, str], zone: ZoneInfo) -> dict[str, Any]:
    """The edit form as service changes; the due date only when it was changed."""
    changes: dict[str, Any] = {k: found[k] for k in ("title", "owner", "impact", "effort")}
    changes |= {"status": found["status"], "description": found["description"]}
    if found["due"] != found["due_was"]:
        changes["due_at"] = _due(found["due"], zone)
    return changes


def _due(text: str, zone: ZoneInfo) -> date | datetime | None:
    """The form's due date in the person's zone: a date is the end of that day there, a time
    without an offset is there; the service checks the range and keeps it in UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        found = parse_due(text)
    except ValueError as exc:
        try:
            found = datetime.fromisoformat(text).replace(tzinfo=zone)  # a time with no offset
        except ValueError:
            raise Invalid(str(exc), field="due") from None
    if isinstance(found, datetime) or found is None or not 1 < found.year < 9999:
        return found  # a time, or a date out of range, which the service names
    return datetime.combine(found, time(23, 59, 59), tzinfo=zone)


@router.post("/ui/action-items/{item_id}", response_class=HTMLResponse)
def edit_post(
    request: Request,
    item_id: IdPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    item = _visible(session, item_id, me)
    found = values(form, FIELDS)
    refused = attempt(
        session,
        lambda: service.update(
            session, clock, item, _changes(found, person_zone(session, me)), actor=me.actor
        ),
    )
    if isinstance(refused, WarroomError):
        context = _item_context(session, _visible(session, item_id, me), me, clock.now())
        context |= {"form": found, "error": say(refused)}
        return render(request, "action_items_item.html", context, status_code=refused.status_code)
    flash(request, "ok", f"action item {item_id} saved")
    return RedirectResponse(f"/ui/action-items/{item_id}", status_code=303)


@router.post("/ui/action-items/{item_id}/status")
def status_post(
    request: Request,
    item_id: IdPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    """A status button (start, done, won't do, reopen); a refusal is flashed."""
    item = _visible(session, item_id, me)
    status = values(form, ("status",))["status"]

    def change() -> str:
        service.update(session, clock, item, {"status": status}, actor=me.actor)
        return f"action item {item_id} is {status.replace('_', ' ')}"

    return post_back(request, session, f"/ui/action-items/{item_id}", change, explain=say)


@router.post("/ui/action-items/{item_id}/export")
def export_post(
    request: Request,
    item_id: IdPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> RedirectResponse:
    item = _visible(session, item_id, me)

    def change() -> str:
        export.request(session, clock, item, options(session), me.actor)
        return f"action item {item_id} is queued for the issue tracker"

    return post_back(request, session, f"/ui/action-items/{item_id}", change, explain=say)


def _incident_context(
    session: Session, number: int, me: Principal, now: datetime
) -> dict[str, Any]:
    incident = visible_incident(session, number, me)
    items = service.list_for_incident(session, incident.id)
    return {
        "zone": str(person_zone(session, me)),
        "incident": incident,
        "rows": [{"item": i, "overdue": service.is_overdue(i, now)} for i in items],
        "may_act": me.allows("responder"),
        "people": _owners(session),
        "form": {"title": "", "owner": "", "impact": "high", "effort": "low", "due": ""},
        "error": None,
    }


@router.get("/ui/incidents/{number}/action-items", response_class=HTMLResponse)
def incident_page(
    request: Request, number: IncidentNumberPath, me: UiViewer, session: SessionDep, clock: ClockDep
) -> Response:
    context = _incident_context(session, number, me, clock.now())
    return render(request, "action_items_incident.html", context)


@router.post("/ui/incidents/{number}/action-items", response_class=HTMLResponse)
def add_post(
    request: Request,
    number: IncidentNumberPath,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    incident = visible_incident(session, number, me)
    found = values(form, FIELDS)

    def create() -> ActionItem:
        due = _due(found["due"], person_zone(session, me))
        return service.create(
            session, clock, incident, title=found["title"], owner=found["owner"],
            impact=found["impact"], effort=found["effort"], due=due,
            description=found["description"], actor=me.actor,
        )  # fmt: skip

    item = attempt(session, create)
    if isinstance(item, WarroomError):
        context = _incident_context(session, number, me, clock.now())
        context |= {"form": found, "error": say(item)}
        return render(request, "action_items_incident.html", context, status_code=item.status_code)
    flash(request, "ok", f"action item {item.id} added: {item.priority}, {item.horizon}")
    return RedirectResponse(f"/ui/incidents/{number}/action-items", status_code=303)
