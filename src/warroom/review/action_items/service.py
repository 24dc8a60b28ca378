"""Action items: create, change and list the follow-ups of incidents; every change is on the
incident's timeline (`review:action_item:*`).

- Impact x effort (each "high" or "low") gives the priority and the horizon through the
  configured matrix (`warroom.review.action_items.config`); a missing due date comes from the
  horizon's `due_within` (none for the backlog by default).
- While an item is open or in progress and has a due date, the engine reminds its owner
  `reminder_before` ahead and flags it overdue at the due time (`schedule.plan`).
- `list_for_incident` (postmortem drafts) and `open_and_overdue_counts` (analytics) are the
  read functions other parts of the review use.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warroom.audit import service as timeline
from warroom.auth import service as auth_service
from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.review.action_items import schedule
from warroom.review.action_items.config import Options, options
from warroom.review.action_items.models import ACTIVE, DONE, STATUSES, WONT_DO, ActionItem

LEVELS = ("high", "low")
# Fields a change may carry, in the order the timeline shows them.
FIELDS = ("title", "description", "owner", "impact", "effort", "due_at", "status")


# Due dates the engine can plan around (a reminder days ahead, the moment in any zone), as
# paging bounds its times: year 1 or 9999 overflowed Python's dates into a 500.
FIRST_YEAR, LAST_YEAR = 1800, 9900


def due_moment(value: date | datetime) -> datetime:
    """A due date as a moment: a bare date means the end of that day (UTC)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise Invalid(
            f"{value.isoformat()} is out of range: due dates from {FIRST_YEAR} to {LAST_YEAR}",
            field="due",
        )
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise Invalid("give the due time with a time zone, or a date", field="due")
        return value.astimezone(UTC)
    return datetime.combine(value, time(23, 59, 59), tzinfo=UTC)


def _level(name: str, value: str) -> str:
    if value not in LEVELS:
        raise Invalid(f"{name} must be high or low, not {value!r}", field=name)
    return value


def _owner(session: Session, email: str, incident: Incident) -> tuple[int, str]:
    """The owner's user id and e-mail: an active responder or admin who may read the incident
    (a viewer cannot change an item, so could never close the one they own; an item of a
    private incident is shown only to its members and admins)."""
    try:
        user = auth_service.get_user_by_email(session, email.strip())
    except NotFound:
        raise Invalid(f"owner: no user with e-mail {email!r}", field="owner") from None
    if not user.active:
        raise Invalid(f"owner: {user.email} is deactivated", field="owner")
    if user.role == "viewer":
        raise Invalid(
            f"owner: {user.email} is a viewer and could not mark the item done or change it: "
            "give it to a responder or an admin",
            field="owner",
        )
    if not incidents.can_read(session, incident, user.email, is_admin=user.role == "admin"):
        raise Invalid(
            f"owner: {incident.ref} is private and {user.email} is no member of it, so they "
            "could not see the item: give them a role on the incident first, or choose one of "
            "its members",
            field="owner",
        )
    return user.id, user.email


def _classify(item: ActionItem, opts: Options) -> None:
    cell = opts.matrix.cell(item.impact, item.effort)
    item.priority, item.horizon = cell.priority, cell.horizon


def _default_due(opts: Options, item: ActionItem, now: datetime) -> datetime | None:
    cell = opts.matrix.cell(item.impact, item.effort)
    return None if cell.due_within is None else now + cell.due_within


def postmortem_of(session: Session, incident_id: int) -> int | None:
    """The id of the incident's postmortem, if it has one."""
    from warroom.review.postmortems import service as postmortems

    found = postmortems.find_for_incident(session, incident_id)
    return None if found is None else found.id


def create(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    title: str,
    owner: str,
    impact: str,
    effort: str,
    actor: str,
    due: date | datetime | None = None,
    description: str = "",
    export: bool | None = None,
) -> ActionItem:
    """Add an action item to an incident; its priority and horizon come from the matrix."""
    if not title.strip():
        raise Invalid("title must not be empty", field="title")
    impact, effort = _level("impact", impact), _level("effort", effort)
    owner_id, owner_email = _owner(session, owner, incident)
    due_at = due_moment(due) if due is not None else None
    incidents.lock_by_id(session, incident.id)
    opts, now = options(session), clock.now()
    item = ActionItem(
        incident_id=incident.id,
        postmortem_id=postmortem_of(session, incident.id),
        title=title.strip(),
        description=description,
        owner_id=owner_id,
        owner=owner_email,
        impact=impact,
        effort=effort,
        status="open",
        generation=1,
        export_attempts=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _classify(item, opts)
    item.due_at = due_at or _default_due(opts, item, now)
    item.due_given = due_at is not None
    session.add(item)
    session.flush()
    record(session, clock, item, "created", actor, **snapshot(item))
    schedule.plan(session, clock, item, opts)
    # A private incident's items leave only when a member asks (a tracker is read by others),
    # and a drill's: the tracker is where real work is tracked.
    if export or (export is None and opts.automatic and not (incident.private or incident.drill)):
        from warroom.review.action_items import export as exporter

        exporter.request(session, clock, item, opts, actor)
    return item


def snapshot(item: ActionItem) -> dict[str, Any]:
    """The fields the timeline keeps of an item."""
    return {
        "title": item.title,
        "owner": item.owner,
        "impact": item.impact,
        "effort": item.effort,
        "priority": item.priority,
        "horizon": item.horizon,
        "due_at": _iso(item.due_at),
        "status": item.status,
    }


def record(
    session: Session, clock: Clock, item: ActionItem, action: str, actor: str, **payload: Any
) -> None:
    """Write `review:action_item:<action>` on the item's incident timeline."""
    timeline.record(
        session,
        clock,
        incident_id=item.incident_id,
        kind=f"review:action_item:{action}",
        actor=actor,
        payload={"action_item": item.id, **payload},
    )


def get(session: Session, item_id: int) -> ActionItem:
    """The action item with this id, or NotFound."""
    item = session.get(ActionItem, item_id)
    if item is None:
        raise NotFound(f"no action item {item_id}", field="id")
    return item


def _changes(session: Session, item: ActionItem, given: dict[str, Any]) -> dict[str, Any]:
    """The given fields that differ from the item, validated (owner as its e-mail)."""
    found: dict[str, Any] = {}
    incident = session.get(Incident, item.incident_id)
    assert incident is not None  # an item belongs to an incident (foreign key)
    for name in FIELDS:
        if name not in given:
            continue
        value = given[name]
        if name == "title" and not str(value or "").strip():
            raise Invalid("title must not be empty", field="title")
        if name in ("impact", "effort"):
            value = _level(name, str(value))
        if name == "status" and value not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
        if name == "owner":
            value = _owner(session, str(value), incident)[1]
        if name == "due_at" and value is not None:
            value = due_moment(value)
        if name == "title":
            value = str(value).strip()
        if getattr(item, name) != value:
            found[name] = value
    return found


def update(
    session: Session, clock: Clock, item: ActionItem, given: dict[str, Any], *, actor: str
) -> ActionItem:
    """Change fields of an item (title, description, owner, impact, effort, due_at, status)."""
    changes = _changes(session, item, given)
    if not changes:
        return item
    incidents.lock_by_id(session, item.incident_id)
    session.refresh(item)
    opts, now = options(session), clock.now()
    before = {name: _shown(getattr(item, name)) for name in changes}
    for name, value in changes.items():
        setattr(item, name, value)
    if "owner" in changes:
        incident = session.get(Incident, item.incident_id)
        assert incident is not None
        item.owner_id = _owner(session, item.owner, incident)[0]
    if "due_at" in changes:
        item.due_given = True  # a date, or none (`--no-due`), from a person: kept from now on
    if {"impact", "effort"} & changes.keys():
        _classify(item, opts)
        _follow_matrix(item, opts, now, changes, before)
    if "status" in changes:
        _status_changed(item, now)
    item.updated_at = now
    after = {name: _shown(getattr(item, name)) for name in changes}
    payload: dict[str, Any] = {"changes": {k: [before[k], after[k]] for k in changes}}
    payload.update(priority=item.priority, horizon=item.horizon, status=item.status)
    action = f"status_{item.status}" if "status" in changes else "updated"
    record(session, clock, item, action, actor, **payload)
    if {"due_at", "status", "owner"} & changes.keys():
        item.generation += 1
        item.reminded_at = item.overdue_since = None
        schedule.plan(session, clock, item, opts)
    return item


def _follow_matrix(
    item: ActionItem,
    opts: Options,
    now: datetime,
    changes: dict[str, Any],
    before: dict[str, Any],
) -> None:
    """A re-classified item whose due date came from the matrix takes the new cell's, counted
    from now (none for the backlog); a due date a person gave stays."""
    if item.due_given:
        return
    due = _default_due(opts, item, now)
    if due == item.due_at:
        return
    before["due_at"], changes["due_at"] = _shown(item.due_at), due
    item.due_at = due


def _status_changed(item: ActionItem, now: datetime) -> None:
    item.closed_at = now if item.status in (DONE, WONT_DO) else None


def _shown(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def is_overdue(item: ActionItem, now: datetime) -> bool:
    """Whether the item is still to do and its due time has come."""
    return item.status in ACTIVE and item.due_at is not None and item.due_at <= now


def list_items(
    session: Session,
    now: datetime,
    *,
    overdue: bool = False,
    owner: str | None = None,
    incident_id: int | None = None,
    status: str | None = None,
    hidden: Collection[int] = frozenset(),
) -> list[ActionItem]:
    """Items by due date (none last), filtered; `hidden`: incident ids the caller may not see."""
    query = select(ActionItem)
    if status is not None:
        if status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
        query = query.where(ActionItem.status == status)
    if overdue:
        query = query.where(ActionItem.status.in_(ACTIVE), ActionItem.due_at <= now)
    if owner is not None:
        query = query.where(ActionItem.owner == owner.strip().lower())
    if incident_id is not None:
        query = query.where(ActionItem.incident_id == incident_id)
    if hidden:
        query = query.where(ActionItem.incident_id.not_in(hidden))
    query = query.order_by(ActionItem.due_at.is_(None), ActionItem.due_at, ActionItem.id)
    return list(session.scalars(query))


def list_for_incident(session: Session, incident_id: int) -> list[ActionItem]:
    """An incident's action items by priority, then due date (for postmortem drafts)."""
    query = (
        select(ActionItem)
        .where(ActionItem.incident_id == incident_id)
        .order_by(ActionItem.priority, ActionItem.due_at.is_(None), ActionItem.due_at)
        .order_by(ActionItem.id)
    )
    return list(session.scalars(query))


def open_and_overdue_counts(
    session: Session,
    now: datetime,
    *,
    incident_ids: list[int] | None = None,
    drill: bool | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[str, int]:
    """{"open": items still to do (open or in progress), "overdue": those past their due date}.

    `incident_ids` limits the count to those incidents; `drill` to the items of drill incidents
    (True) or of real ones (False: the production figures, drills apart); `where`, conditions
    on `Incident`, to the items of incidents meeting them (analytics' service and severity
    filters), in the same subquery. One query."""
    still = ActionItem.status.in_(ACTIVE)
    late = still & (ActionItem.due_at <= now)
    query = select(
        func.count().filter(still),
        func.count().filter(late),
    ).select_from(ActionItem)
    if incident_ids is not None:
        query = query.where(ActionItem.incident_id.in_(incident_ids))
    kind = [*([] if drill is None else [Incident.drill.is_(drill)]), *where]
    if kind:
        query = query.where(ActionItem.incident_id.in_(select(Incident.id).where(*kind)))
    row = session.execute(query).one()
    return {"open": int(row[0] or 0), "overdue": int(row[1] or 0)}
