"""Incidents: open, find, list, move through the lifecycle, change severity, take notes.

Status moves and severity changes live in `moves.py`, roles in `roles.py`, hypotheses and tasks
in `work.py`; they are re-exported here so that other domains only ever import
`warroom.incidents.service`. The rows of an opening (number, catalog check, INSERTs) are
written by `opening.py`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.events import DomainEvent, Handler
from warroom.incidents import lifecycle
from warroom.incidents.listing import MAX_PAGE, list_incidents, open_in_dedup_group, status_of
from warroom.incidents.locking import lock, lock_by_id, lock_rows
from warroom.incidents.models import Incident
from warroom.incidents.moves import (
    acknowledge,
    change_severity,
    close,
    mitigate,
    refire,
    reopen,
    resolve,
)
from warroom.incidents.opening import check_catalog, insert_incident, next_number
from warroom.incidents.roles import (
    ROLES,
    assign_role,
    can_read,
    carry_members,
    current_roles,
    is_member,
    unassign_role,
)
from warroom.incidents.schemas import Impact
from warroom.incidents.work import (
    CONCLUDED,
    add_hypothesis,
    add_task,
    cannot_work,
    list_hypotheses,
    list_tasks,
    update_hypothesis,
    update_task,
)

__all__ = [
    "CONCLUDED",
    "MAX_PAGE",
    "ROLES",
    "acknowledge",
    "add_hypothesis",
    "add_note",
    "add_task",
    "assign_role",
    "can_read",
    "cannot_work",
    "carry_members",
    "change_severity",
    "close",
    "current_roles",
    "find_open_by_dedup_group",
    "get_incident",
    "get_incident_by_id",
    "is_member",
    "is_open",
    "list_hypotheses",
    "list_incidents",
    "list_tasks",
    "lock",
    "lock_by_id",
    "lock_rows",
    "mitigate",
    "next_number",
    "open_in_dedup_group",
    "open_incident",
    "refire",
    "reopen",
    "resolve",
    "severity_of",
    "star_event",
    "status_of",
    "unassign_role",
    "update_details",
    "update_hypothesis",
    "update_task",
]


def _impact(impact: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return Impact.model_validate(impact or {}).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        field = f"impact.{where}" if where else "impact"
        raise Invalid(f"{field}: {first['msg']}", field=field) from None


def _tags(tags: list[str] | None) -> list[str]:
    clean: list[str] = []
    for tag in tags or []:
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 64:
            raise Invalid(f"tag {tag!r} must be 1 to 64 characters", field="tags")
        if tag.strip() not in clean:
            clean.append(tag.strip())
    return clean


_DRILL_MARKER = re.compile(r"drill\s*:\s*", re.IGNORECASE)


def _drill_title(title: str) -> str:
    """A practice incident's title, starting with the marker `DRILL: `: one already there (any
    case) is kept once; any other title gets it in front, whatever word it starts with
    ("Drill-down broken" and "Drilling rig down" are titles, not the marker)."""
    marker = _DRILL_MARKER.match(title)
    return f"DRILL: {title[marker.end() if marker else 0 :]}".rstrip()[:300]


def open_incident(
    session: Session,
    clock: Clock,
    *,
    actor: str,
    title: str,
    severity: str,
    services: list[str] | None = None,
    summary: str = "",
    impact: dict[str, Any] | None = None,
    drill: bool = False,
    private: bool = False,
    tags: list[str] | None = None,
    source: str = "manual",
    dedup_group: str | None = None,
    previous_number: int | None = None,
    created_by: str | None = None,
) -> Incident:
    """Open an incident and record incident:incident:opened.

    `created_by`: whose incident it is, when not the actor's (a private incident's follow-up
    stays its creator's, so that it stays visible to them)."""
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise Invalid("title must be 1 to 300 characters", field="title")
    if drill:
        title = _drill_title(title)  # a practice incident says so wherever its title shows
    service_keys = check_catalog(session, severity, list(services or []))
    now = clock.now()
    values: dict[str, Any] = {
        "title": title,
        "summary": summary or "",
        "severity": severity,
        "status": "triggered",
        "impact": _impact(impact),
        "drill": drill,
        "private": private,
        "tags": _tags(tags),
        "source": source,
        "dedup_group": dedup_group,
        "created_by": created_by or actor,
        "opened_at": now,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "responded_at": None,
        "mitigated_at": None,
        "mitigated_by": None,
        "resolved_at": None,
        "resolved_by": None,
        "closed_at": None,
        "closed_by": None,
        "reopened_at": None,
        "reopen_count": 0,
        "previous_number": previous_number,
        "updated_at": now,
        "last_internal_update_at": now,
        "last_external_update_at": now,
    }
    incident = insert_incident(session, values, service_keys)
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="incident:incident:opened",
        actor=actor,
        new_chain=True,
        payload={
            "number": incident.number,
            "title": title,
            "severity": severity,
            "services": service_keys,
            "source": source,
            "drill": drill,
            "private": private,
            "dedup_group": dedup_group,
            "previous_number": previous_number,
        },
    )
    return incident


def get_incident(session: Session, number: int) -> Incident:
    """The incident with this number, or NotFound."""
    incident = session.scalar(select(Incident).where(Incident.number == number))
    if incident is None:
        raise NotFound(f"no incident INC-{number}", field="number")
    return incident


def get_incident_by_id(session: Session, incident_id: int) -> Incident:
    """The incident with this database id (as carried by DomainEvent), or NotFound."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident with id {incident_id}", field="incident_id")
    return incident


_NUMBER_IF_OPEN = select(Incident.__table__.c.number).where(
    Incident.__table__.c.id == bindparam("_id"),
    Incident.__table__.c.status.in_(lifecycle.OPEN_STATUSES),
)


def is_open(session: Session, incident_id: int) -> int | None:
    """The number of this incident if it is open (not resolved or closed), else None.

    A light read for hot paths (alert intake) that need no Incident object.
    """
    session.flush()  # an Incident changed in this session counts, as with an ORM query
    number = session.connection().execute(_NUMBER_IF_OPEN, {"_id": incident_id}).scalar()
    return None if number is None else int(number)


_SEVERITY = select(Incident.__table__.c.severity).where(Incident.__table__.c.id == bindparam("_id"))


def severity_of(session: Session, incident_id: int) -> str | None:
    """The severity of this incident, None if there is none (a light read for intake)."""
    session.flush()
    value = session.connection().execute(_SEVERITY, {"_id": incident_id}).scalar()
    return None if value is None else str(value)


def find_open_by_dedup_group(session: Session, dedup_group: str) -> Incident | None:
    """The newest incident of this dedup group that is not resolved or closed."""
    return session.scalar(
        select(Incident)
        .where(
            Incident.dedup_group == dedup_group,
            Incident.status.in_(lifecycle.OPEN_STATUSES),
        )
        .order_by(Incident.id.desc())
        .limit(1)
    )


def add_note(
    session: Session, clock: Clock, incident: Incident, *, text: str, actor: str
) -> timeline.TimelineEvent:
    """Add a note to the timeline; a first note marks the response started. A note is no status
    update: the update cadence (`warroom update`) is not moved by it."""
    text = (text or "").strip()
    if not text:
        raise Invalid("a note needs text", field="text")
    if len(text) > 10000:
        raise Invalid("a note is at most 10000 characters", field="text")
    lock(session, clock, incident)
    incident.last_internal_update_at = clock.now()
    incident.responded_at = incident.responded_at or incident.last_internal_update_at
    session.flush()
    return timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="incident:note:added",
        actor=actor,
        payload={"text": text},
    )


def star_event(
    session: Session, clock: Clock, incident: Incident, *, seq: int, starred: bool, actor: str
) -> timeline.TimelineEvent:
    """Star or unstar one of the incident's events under its lock: two responders starring
    it at once record one `incident:event:starred`."""
    lock(session, clock, incident)
    return timeline.star_event(
        session, clock, incident_id=incident.id, seq=seq, starred=starred, actor=actor
    )


def update_details(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    actor: str,
    title: str | None = None,
    summary: str | None = None,
    impact: dict[str, Any] | None = None,
    tags: list[str] | None = None,
) -> Incident:
    """Change title, summary, impact or tags; records incident:details:updated with the diff.

    `impact` holds the fields to change; the fields it leaves out keep their values."""
    changes: dict[str, Any] = {}
    lock(session, clock, incident)
    if title is not None:
        title = title.strip()
        if not title or len(title) > 300:
            raise Invalid("title must be 1 to 300 characters", field="title")
        if incident.drill:
            title = _drill_title(title)
        changes["title"] = title
    if summary is not None:
        changes["summary"] = summary
    if impact is not None:
        changes["impact"] = _impact({**(incident.impact or {}), **impact})
    if tags is not None:
        changes["tags"] = _tags(tags)
    changed = {k: v for k, v in changes.items() if getattr(incident, k) != v}
    if not changed:
        return incident
    for key, value in changed.items():
        setattr(incident, key, value)
    incident.updated_at = clock.now()
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="incident:details:updated",
        actor=actor,
        payload={"changed": changed},
    )
    return incident


def _on_status_update(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A comms status update resets the cadence clock of its audience."""
    if event.incident_id is None:
        return
    external = event.payload.get("audience") == "external" or event.kind.endswith("external")
    column = "last_external_update_at" if external else "last_internal_update_at"
    now = clock.now()
    session.execute(
        update(Incident)
        .where(Incident.id == event.incident_id)
        .values({column: now, "responded_at": func.coalesce(Incident.responded_at, now)})
        .execution_options(synchronize_session="fetch")
    )


# Events of other domains this one reacts to; the composition root (warroom.wiring) subscribes.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (("comms:update:*", _on_status_update),)
