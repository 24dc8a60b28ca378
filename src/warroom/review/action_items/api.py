"""Action item routes: add to an incident, list (overdue, by owner/incident/status), change,
export to the issue tracker. Items of a private incident are shown to its members only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.clock import Clock
from warroom.deps import ClockDep, Responder, SessionDep, Viewer
from warroom.errors import Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.access import hidden_incident_ids, may_see_incident_id, visible_incident
from warroom.openapi import API_ERRORS, INCIDENT_NUMBER, IdPath, IncidentNumberPath
from warroom.principal import Principal
from warroom.review.action_items import export, service
from warroom.review.action_items.config import options
from warroom.review.action_items.models import ACTIVE, ActionItem
from warroom.review.action_items.schemas import ActionItemIn, ActionItemOut, ActionItemPatch, Status

router = APIRouter(prefix="/api/v1", tags=["action items"], responses=API_ERRORS)


def out(
    session: Session, item: ActionItem, now: object, cannot: dict[str, str] | None = None
) -> ActionItemOut:
    """The API view of an item (its incident's number, whether it is overdue now, why its owner
    cannot act on it, if so); `cannot`: `owners_who_cannot_act` of a list, read once."""
    incident = incidents.get_incident_by_id(session, item.incident_id)
    overdue = service.is_overdue(item, now)  # type: ignore[arg-type]
    found = owners_who_cannot_act(session, [item]) if cannot is None else cannot
    view = ActionItemOut.of(item, incident.number, overdue, drill=incident.drill)
    # A done or dropped item needs nobody any more.
    view.owner_cannot_act = found.get(item.owner) if item.status in ACTIVE else None
    return view


def owners_who_cannot_act(session: Session, items: list[ActionItem]) -> dict[str, str]:
    """The owners of these items who can no longer act on them, and why ('deactivated', 'a
    viewer'), in one query: their items wait for a new owner."""
    emails = sorted({item.owner for item in items})
    if not emails:
        return {}
    rows = session.execute(
        select(User.email, User.active, User.role).where(User.email.in_(emails))
    ).all()
    known = {email: (active, role) for email, active, role in rows}
    why: dict[str, str] = {}
    for email in emails:
        active, role = known.get(email, (False, ""))
        if not active:
            why[email] = "deactivated"
        elif role == "viewer":
            why[email] = "a viewer"
    return why


def _listed(session: Session, items: list[ActionItem], now: object) -> list[ActionItemOut]:
    cannot = owners_who_cannot_act(session, items)
    return [out(session, item, now, cannot) for item in items]


def _saved(session: Session, item: ActionItem, clock: Clock) -> ActionItemOut:
    """The answer to a change: the item as changed, built before the change is committed."""
    result = out(session, item, clock.now())
    session.commit()
    return result


def _visible(session: Session, item_id: int, principal: Principal) -> ActionItem:
    item = service.get(session, item_id)
    if not may_see_incident_id(session, principal, item.incident_id):
        raise NotFound(f"no action item {item_id}", field="id")
    return item


@router.get("/action-items", response_model=list[ActionItemOut])
def list_action_items(
    principal: Viewer,
    session: SessionDep,
    clock: ClockDep,
    overdue: Annotated[bool, Query(description="only items past their due date")] = False,
    owner: Annotated[str | None, Query(max_length=320, description="owner's e-mail")] = None,
    incident: Annotated[
        str | None, Query(max_length=20, description="an incident number: INC-42 or 42")
    ] = None,
    status: Status | None = None,
) -> list[ActionItemOut]:
    incident_id = None
    if incident is not None:
        if not INCIDENT_NUMBER.match(incident):
            message = f"{incident!r} is not an incident number such as INC-42"
            raise Invalid(message, field="incident")
        number = int(incident[4:] if incident[:4].upper() == "INC-" else incident)
        incident_id = visible_incident(session, number, principal).id
    items = service.list_items(
        session,
        clock.now(),
        overdue=overdue,
        owner=owner,
        incident_id=incident_id,
        status=status,
        hidden=hidden_incident_ids(session, principal),
    )
    return _listed(session, items, clock.now())


@router.post("/incidents/{number}/action-items", response_model=ActionItemOut, status_code=201)
def add_action_item(
    number: IncidentNumberPath,
    body: ActionItemIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> ActionItemOut:
    incident = visible_incident(session, number, principal)
    item = service.create(
        session,
        clock,
        incident,
        title=body.title,
        owner=body.owner,
        impact=body.impact,
        effort=body.effort,
        due=body.due,
        description=body.description,
        export=body.export,
        actor=principal.actor,
    )
    return _saved(session, item, clock)


@router.get("/incidents/{number}/action-items", response_model=list[ActionItemOut])
def incident_action_items(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep, clock: ClockDep
) -> list[ActionItemOut]:
    incident = visible_incident(session, number, principal)
    return _listed(session, service.list_for_incident(session, incident.id), clock.now())


@router.get("/action-items/{item_id}", response_model=ActionItemOut)
def get_action_item(
    item_id: IdPath, principal: Viewer, session: SessionDep, clock: ClockDep
) -> ActionItemOut:
    return out(session, _visible(session, item_id, principal), clock.now())


@router.patch("/action-items/{item_id}", response_model=ActionItemOut)
def update_action_item(
    item_id: IdPath,
    body: ActionItemPatch,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
) -> ActionItemOut:
    item = _visible(session, item_id, principal)
    service.update(session, clock, item, body.changes(), actor=principal.actor)
    return _saved(session, item, clock)


@router.post("/action-items/{item_id}/export", response_model=ActionItemOut, status_code=202)
def export_action_item(
    item_id: IdPath, principal: Responder, session: SessionDep, clock: ClockDep
) -> ActionItemOut:
    item = _visible(session, item_id, principal)
    export.request(session, clock, item, options(session), principal.actor)
    return _saved(session, item, clock)
