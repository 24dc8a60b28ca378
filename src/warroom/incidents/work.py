"""Hypotheses and tasks: what responders think is going on, and what they are doing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth import service as auth_service
from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.incidents.locking import lock
from warroom.incidents.models import Hypothesis, Incident, Task
from warroom.incidents.roles import can_read

HYPOTHESIS_STATUSES = ("investigating", "ruled_out", "confirmed", "unlikely")
# A hypothesis so concluded leaves its owner nothing to do.
CONCLUDED = ("ruled_out", "confirmed")


def _text(value: str | None, field: str = "text") -> str:
    value = (value or "").strip()
    if not value or len(value) > 5000:
        raise Invalid(f"{field} must be 1 to 5000 characters", field=field)
    return value


def _who(session: Session, incident: Incident, value: str | None, field: str) -> str | None:
    """An owner or assignee: blank is nobody, else a person warroom knows (by e-mail, kept as
    their account spells it) who can do the work: active, no viewer (a viewer can neither
    tick a task nor update a hypothesis), and able to read the incident if it is private."""
    given = (value or "").strip()
    if not given:
        return None
    what = "a task" if field == "assignee" else "a hypothesis"
    try:
        user = auth_service.get_user_by_email(session, given)
    except NotFound:
        raise Invalid(
            f"{field}: no user with e-mail {given!r}; give {what} to a person warroom knows, "
            "by their e-mail",
            field=field,
        ) from None
    if not user.active:
        raise Invalid(f"{field}: {user.email} is deactivated and cannot sign in", field=field)
    if user.role == "viewer":
        raise Invalid(
            f"{field}: {user.email} is a viewer and could not change {what}: give it to a "
            "responder or an admin",
            field=field,
        )
    if not can_read(session, incident, user.email, is_admin=user.role == "admin"):
        raise Invalid(
            f"{field}: {incident.ref} is private and {user.email} is no member of it, so they "
            f"could not see {what}: give them a role on the incident first",
            field=field,
        )
    return user.email


def cannot_work(
    session: Session, incident: Incident, emails: Iterable[str | None]
) -> dict[str, str]:
    """Of these owners and assignees, those who can no longer do the work `_who` gave them, with
    why: made a viewer, deactivated, or taken off a private incident's roles since. They stay
    named (who was on it; they may be back) and their open work is flagged, for the commander
    to hand on."""
    reasons: dict[str, str] = {}
    for email in sorted({e for e in emails if e}):
        try:
            user = auth_service.get_user_by_email(session, email)
        except NotFound:
            reasons[email] = "no longer a user"
            continue
        if not user.active:
            reasons[email] = "deactivated"
        elif user.role == "viewer":
            reasons[email] = "now a viewer"
        elif not can_read(session, incident, user.email, is_admin=user.role == "admin"):
            reasons[email] = f"no longer a member of private {incident.ref}"
    return reasons


def _status(value: str) -> str:
    if value not in HYPOTHESIS_STATUSES:
        raise Invalid(
            f"unknown hypothesis status {value!r}; one of {', '.join(HYPOTHESIS_STATUSES)}",
            field="status",
        )
    return value


def add_hypothesis(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    text: str,
    actor: str,
    owner: str | None = None,
    status: str = "investigating",
) -> Hypothesis:
    """Add a hypothesis; records incident:hypothesis:added."""
    now = clock.now()
    item = Hypothesis(
        incident_id=incident.id,
        text=_text(text),
        status=_status(status),
        owner=_who(session, incident, owner, "owner"),
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="incident:hypothesis:added",
        actor=actor,
        payload={"id": item.id, "text": item.text, "status": item.status, "owner": item.owner},
    )
    return item


def _hypothesis(session: Session, incident: Incident, hypothesis_id: int) -> Hypothesis:
    # Read under the incident's lock (taken first), fresh: a change committed meanwhile counts.
    item = session.get(Hypothesis, hypothesis_id, populate_existing=True)
    if item is None or item.incident_id != incident.id:
        raise NotFound(f"no hypothesis {hypothesis_id} on {incident.ref}", field="hypothesis_id")
    return item


def update_hypothesis(
    session: Session,
    clock: Clock,
    incident: Incident,
    hypothesis_id: int,
    *,
    actor: str,
    status: str | None = None,
    text: str | None = None,
    owner: str | None = None,
) -> Hypothesis:
    """Change a hypothesis' status, text or owner; records incident:hypothesis:updated.

    Under the incident's lock: of two changes at once, the second sees the first's."""
    lock(session, clock, incident)
    item = _hypothesis(session, incident, hypothesis_id)
    wanted: dict[str, Any] = {}
    if status is not None:
        wanted["status"] = _status(status)
    if text is not None:
        wanted["text"] = _text(text)
    if owner is not None:
        wanted["owner"] = _who(session, incident, owner, "owner")
    changes = {k: [getattr(item, k), v] for k, v in wanted.items() if getattr(item, k) != v}
    if not changes:
        return item
    for key, (_, value) in changes.items():
        setattr(item, key, value)
    item.updated_at = clock.now()
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="incident:hypothesis:updated",
        actor=actor,
        payload={"id": item.id, "text": item.text, "status": item.status, "changes": changes},
    )
    return item


def list_hypotheses(session: Session, incident: Incident) -> list[Hypothesis]:
    """Every hypothesis of an incident, oldest first."""
    return list(
        session.scalars(
            select(Hypothesis).where(Hypothesis.incident_id == incident.id).order_by(Hypothesis.id)
        )
    )


def add_task(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    text: str,
    actor: str,
    assignee: str | None = None,
) -> Task:
    """Add a checklist item; records incident:task:added."""
    item = Task(
        incident_id=incident.id,
        text=_text(text),
        assignee=_who(session, incident, assignee, "assignee"),
        created_at=clock.now(),
        created_by=actor,
    )
    session.add(item)
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="incident:task:added",
        actor=actor,
        payload={"id": item.id, "text": item.text, "assignee": item.assignee},
    )
    return item


def update_task(
    session: Session,
    clock: Clock,
    incident: Incident,
    task_id: int,
    *,
    actor: str,
    done: bool | None = None,
    assignee: str | None = None,
) -> Task:
    """Mark a task done or not done, or (re)assign it; each change is recorded once (under the
    incident's lock: two responders ticking it at once record one `done`)."""
    lock(session, clock, incident)
    item = session.get(Task, task_id, populate_existing=True)
    if item is None or item.incident_id != incident.id:
        raise NotFound(f"no task {task_id} on {incident.ref}", field="task_id")
    events: list[tuple[str, dict[str, Any]]] = []
    chosen = None if assignee is None else _who(session, incident, assignee, "assignee")
    if assignee is not None and chosen != item.assignee:
        item.assignee = chosen
        events.append(("assigned", {"id": item.id, "text": item.text, "assignee": item.assignee}))
    if done is not None and done != item.done:
        item.done = done
        item.done_at, item.done_by = (clock.now(), actor) if done else (None, None)
        events.append(("done" if done else "reopened", {"id": item.id, "text": item.text}))
    session.flush()
    for action, payload in events:
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind=f"incident:task:{action}",
            actor=actor,
            payload=payload,
        )
    return item


def list_tasks(session: Session, incident: Incident) -> list[Task]:
    """Every task of an incident, oldest first."""
    return list(
        session.scalars(select(Task).where(Task.incident_id == incident.id).order_by(Task.id))
    )
