"""Incidents: open, find, list, move through the lifecycle, change severity, take notes.

Status moves and severity changes live in `moves.py`, roles in `roles.py`, hypotheses and tasks
in `work.py`; they are re-exported here so that other domains only ever import
`warroom.incidents.service`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy import String, Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class

from warroom.audit import service as timeline
from warroom.catalog.service import require_services, require_severity
from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.errors import Invalid, NotFound
from warroom.events import DomainEvent, Handler
from warroom.incidents import lifecycle
from warroom.incidents.listing import MAX_PAGE, list_incidents, open_in_dedup_group, status_of
from warroom.incidents.locking import lock, lock_by_id, lock_rows
from warroom.incidents.models import Counter, Incident, IncidentService
from warroom.incidents.moves import (
    acknowledge,
    change_severity,
    close,
    mitigate,
    refire,
    reopen,
    resolve,
)
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
    add_hypothesis,
    add_task,
    list_hypotheses,
    list_tasks,
    update_hypothesis,
    update_task,
)

__all__ = [
    "MAX_PAGE",
    "ROLES",
    "acknowledge",
    "add_hypothesis",
    "add_note",
    "add_task",
    "assign_role",
    "can_read",
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


def next_number(session: Session) -> int:
    """The next incident number: unique and increasing, also under concurrent openers."""
    if session.get_bind().dialect.name == "postgresql":
        nextval = text("SELECT nextval(pg_get_serial_sequence('incidents', 'number'))")
        return int(session.execute(nextval).scalar_one())
    from sqlalchemy.dialects.sqlite import insert as lite_insert

    # SQLite: the UPDATE takes the database write lock before reading the counter.
    session.execute(lite_insert(Counter).values(name="incident", value=0).on_conflict_do_nothing())
    stmt = (
        update(Counter)
        .where(Counter.name == "incident")
        .values(value=Counter.value + 1)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).scalar_one())


# (severity, services asked for) -> (the configuration document they were checked under, the
# service keys): the catalog is written only by `config apply`, which makes a new document, so
# a check that passed holds until the document changes. An alert opening an incident asks
# the same question each time; two catalog queries were a tenth of the request's CPU.
_CHECKED: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], list[str]]] = {}


def _check_catalog(session: Session, severity: str, services: list[str]) -> list[str]:
    """The active severity and services an incident may be opened with (Invalid otherwise, as
    `require_severity` and `require_services` say): their keys, de-duplicated and sorted."""
    document = config_service.current_document(session)
    question = (severity, tuple(services))
    checked = _CHECKED.get(question)
    if checked is not None and checked[0] is document:
        return list(checked[1])
    require_severity(session, severity)
    keys = require_services(session, services)
    if document:  # before a first apply the catalog is the tests' own rows: always asked
        if len(_CHECKED) >= 1000:
            _CHECKED.clear()
        _CHECKED[question] = (document, list(keys))
    return keys


_INCIDENTS: Table = Incident.__table__  # type: ignore[assignment]
_SERVICES: Table = IncidentService.__table__  # type: ignore[assignment]
_INCIDENT_MANAGER = manager_of_class(Incident)
_SERVICE_MANAGER = manager_of_class(IncidentService)
_INCIDENT_COLUMNS = [c.name for c in _INCIDENTS.c if c.name not in ("id", "number")]
# PostgreSQL: the incident (its number from the column's identity sequence) and its
# services in one statement (one round trip, no ORM flush): (id, number, [[service id, key]]).
_NEW_INCIDENT = (
    insert(_INCIDENTS)
    .values({name: bindparam(f"_i_{name}") for name in _INCIDENT_COLUMNS})
    .returning(_INCIDENTS.c.id, _INCIDENTS.c.number)
    .cte("new_incident")
)
_NEW_SERVICES = (
    insert(_SERVICES)
    .from_select(
        ["incident_id", "service_key"],
        select(
            _NEW_INCIDENT.c.id,
            func.unnest(bindparam("_keys", type_=postgresql.ARRAY(String))),
        ),
    )
    .returning(_SERVICES.c.id, _SERVICES.c.service_key)
    .cte("new_services")
)
_INSERT_INCIDENT_PG = select(
    _NEW_INCIDENT.c.id,
    _NEW_INCIDENT.c.number,
    select(
        func.json_agg(func.json_build_array(_NEW_SERVICES.c.id, _NEW_SERVICES.c.service_key))
    ).scalar_subquery(),
)
_INSERT_INCIDENT = insert(_INCIDENTS).returning(_INCIDENTS.c.id)
_INSERT_SERVICE = insert(_SERVICES).returning(_SERVICES.c.id)


def _insert_incident(session: Session, values: dict[str, Any], service_keys: list[str]) -> Incident:
    """Insert an incident and its services with Core statements (an ORM flush of the two
    costs several times more) and attach the Incident to the session as the persistent
    object of that row, filled as a loaded one would be."""
    session.flush()  # pending changes first, in the order an ORM flush would write them
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        params = {f"_i_{name}": values[name] for name in _INCIDENT_COLUMNS}
        row = conn.execute(_INSERT_INCIDENT_PG, {**params, "_keys": service_keys}).one()
        incident_id, number = int(row[0]), int(row[1])
        services = sorted(((int(i), str(k)) for i, k in row[2] or []), key=lambda s: s[1])
    else:
        number = next_number(session)
        incident_id = int(conn.execute(_INSERT_INCIDENT, {**values, "number": number}).scalar_one())
        services = []
        for key in service_keys:
            pair = {"incident_id": incident_id, "service_key": key}
            services.append((int(conn.execute(_INSERT_SERVICE, pair).scalar_one()), key))
    if not Incident.__mapper__.configured:
        configure_mappers()
    incident: Incident = _INCIDENT_MANAGER.new_instance()
    incident.__dict__.update(values, id=incident_id, number=number)
    make_transient_to_detached(incident)
    session.add(incident)
    rows = []
    for service_id, key in services:
        link: IncidentService = _SERVICE_MANAGER.new_instance()
        link.__dict__.update(id=service_id, incident_id=incident_id, service_key=key)
        make_transient_to_detached(link)
        session.add(link)
        rows.append(link)
    set_committed_value(incident, "services", rows)
    return incident


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
    service_keys = _check_catalog(session, severity, list(services or []))
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
    incident = _insert_incident(session, values, service_keys)
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
