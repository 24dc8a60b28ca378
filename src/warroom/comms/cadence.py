"""The update cadence on the engine: reminders before an update is due, overdue, escalation.

Each open incident has one `UpdateCadence` row per audience (internal, external) whose severity
sets a cadence (`internal_update_every` / `external_update_every`; the first update may be due
sooner: `comms.first_update_within`). Planning a due time moves the row's generation and queues
two jobs: `comms.remind` (`comms.reminder_before` ahead) and `comms.overdue` (at due time),
which queues `comms.escalate` (`comms.escalate_overdue_after` later). A job of an older
generation, or of a resolved incident, does nothing; posting an update or resolving cancels
the pending ones. Every job locks the incident row first (the engine's lock order).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog import service as catalog
from warroom.clock import Clock
from warroom.comms.config import CommsConfig, comms_settings
from warroom.comms.models import AUDIENCES, EXTERNAL, INTERNAL, UpdateCadence
from warroom.config import service as config_service
from warroom.engine import service as engine
from warroom.events import DomainEvent, Handler
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.present import UpdateDue

ACTOR = "warroom:comms"
KINDS = ("comms.remind", "comms.overdue", "comms.escalate")
CLOSED = ("resolved", "closed")
PRIVATE_TITLE = "(a private incident)"


def every(session: Session, incident: Incident, audience: str) -> timedelta | None:
    """The severity's cadence for an audience (None: no cadence)."""
    return _every(catalog.severities_by_key(session).get(incident.severity), audience)


def _every(severity: Any, audience: str) -> timedelta | None:
    if severity is None:
        return None
    seconds = (
        severity.internal_update_every_s
        if audience == INTERNAL
        else severity.external_update_every_s
    )
    return timedelta(seconds=seconds) if seconds else None


def row_of(session: Session, incident_id: int, audience: str) -> UpdateCadence | None:
    """The cadence row of one audience of an incident."""
    return session.get(UpdateCadence, (incident_id, audience))


def rows_of(session: Session, incident_id: int) -> list[UpdateCadence]:
    """Both audiences' cadence rows (those that exist), internal first."""
    rows = session.scalars(select(UpdateCadence).where(UpdateCadence.incident_id == incident_id))
    return sorted(rows, key=lambda r: AUDIENCES.index(r.audience))


def updates_due(session: Session, ids: Collection[int]) -> dict[int, dict[str, UpdateDue]]:
    """Per incident, each audience's planned next update (the one reminded of, overdue from
    its due time); an audience with no update due is absent."""
    rows = session.scalars(
        select(UpdateCadence).where(
            UpdateCadence.incident_id.in_(list(ids)), UpdateCadence.due_at.is_not(None)
        )
    )
    found: dict[int, dict[str, UpdateDue]] = {}
    for row in rows:
        if row.due_at is not None:
            found.setdefault(row.incident_id, {})[row.audience] = UpdateDue(
                row.due_at, row.overdue_since
            )
    return found


def job_key(kind: str, row: UpdateCadence) -> str:
    return _key_of(kind, row.incident_id, row.audience, row.generation)


def _key_of(kind: str, incident_id: int, audience: str, generation: int) -> str:
    return f"{kind}:{incident_id}:{audience}:{generation}"


def _cancel(session: Session, clock: Clock, row: UpdateCadence) -> None:
    for kind in KINDS:
        engine.cancel(session, dedup_key=job_key(kind, row), clock=clock)


def plan(
    session: Session,
    clock: Clock,
    incident: Incident,
    audience: str,
    due_at: datetime | None,
    options: CommsConfig,
) -> UpdateCadence:
    """Set the next due time of one audience (None: none) and queue its reminder and check."""
    row = row_of(session, incident.id, audience)
    if row is None:
        row = UpdateCadence(incident_id=incident.id, audience=audience, generation=0)
        session.add(row)
    else:
        _cancel(session, clock, row)
    if incident.drill and audience == EXTERNAL:
        due_at = None  # a drill has no public audience: no public update is ever due
    row.generation += 1
    row.due_at, row.overdue_since, row.reminded_at, row.escalated_at = due_at, None, None, None
    session.flush()
    _queue_checks(session, clock, incident.id, audience, row.generation, due_at, options)
    return row


def _queue_checks(
    session: Session,
    clock: Clock,
    incident_id: int,
    audience: str,
    generation: int,
    due_at: datetime | None,
    options: CommsConfig,
    new: bool = False,
) -> None:
    """Queue the reminder before `due_at` and the overdue check at it (`new`: the row of this
    generation was inserted by this transaction, see engine.enqueue's `new_key`)."""
    if due_at is None:
        return
    payload = {"incident_id": incident_id, "audience": audience, "generation": generation}
    remind_at = max(clock.now(), due_at - options.reminder_before)
    for kind, run_at in (("comms.remind", remind_at), ("comms.overdue", due_at)):
        key = _key_of(kind, incident_id, audience, generation)
        engine.enqueue(
            session, clock, kind, payload, run_at=run_at, dedup_key=key,
            incident_id=incident_id, new_key=new,
        )  # fmt: skip


def plan_first(session: Session, clock: Clock, incident: Incident, *, new: bool = False) -> None:
    """Plan the first update of each audience: `first_update_within`, else the cadence.
    `new`: the incident was opened by this transaction and has no rows yet: they are written
    with one Core statement (an ORM flush of the two cost several times more), and their jobs
    skip the look-up of a pending one (engine.enqueue's `new_key`)."""
    options, cadences = _first_plan_inputs(session)
    first = options.first_update_within.get(incident.severity)
    dues: dict[str, datetime | None] = {}
    for audience in AUDIENCES:
        cadence = cadences.get(incident.severity, {}).get(audience)
        wait = min(w for w in (first, cadence) if w is not None) if (first or cadence) else None
        no_public = incident.drill and audience == EXTERNAL  # a drill has no public audience
        dues[audience] = None if wait is None or no_public else clock.now() + wait
    if not new:
        for audience in AUDIENCES:
            plan(session, clock, incident, audience, dues[audience], options)
        return
    params: dict[str, Any] = {}
    for n, audience in enumerate(AUDIENCES):
        params.update({f"a{n}": audience, f"d{n}": dues[audience]})
    session.connection().execute(_INSERT_CADENCE, {"incident_id": incident.id, **params})
    for audience, due_at in dues.items():
        _queue_checks(session, clock, incident.id, audience, 1, due_at, options, new=True)


# One row per audience in one multi-row INSERT: a list of rows would be an executemany, which
# psycopg runs in pipeline mode (entering and leaving it was ~4 % of intake's CPU). Written as
# text: SQLAlchemy compiles a multi-row insert() on every execution (it has no cache key).
_CADENCE: Any = UpdateCadence.__table__
_INSERT_CADENCE = text(
    "INSERT INTO comms_cadence (incident_id, audience, due_at, generation, overdue_since, "
    "reminded_at, escalated_at, updates, late) VALUES "
    + ", ".join(
        f"(:incident_id, :a{n}, :d{n}, 1, NULL, NULL, NULL, 0, 0)" for n in range(len(AUDIENCES))
    )
).bindparams(
    bindparam("incident_id", type_=_CADENCE.c.incident_id.type),
    *(bindparam(f"a{n}", type_=_CADENCE.c.audience.type) for n in range(len(AUDIENCES))),
    *(bindparam(f"d{n}", type_=_CADENCE.c.due_at.type) for n in range(len(AUDIENCES))),
)


# (the configuration document, its comms settings, each severity's cadence per audience):
# severities and the comms section change only by `config apply`, which makes a new document.
# Every incident opened asks; validating the section and loading the severities were ~5 % of
# intake's CPU for an alert that opens one.
_FIRST_PLAN: list[tuple[dict[str, Any], CommsConfig, dict[str, dict[str, Any]]]] = []


def _first_plan_inputs(session: Session) -> tuple[CommsConfig, dict[str, dict[str, Any]]]:
    document = config_service.current_document(session)
    known = _FIRST_PLAN[0] if _FIRST_PLAN else None
    if known is not None and document and known[0] is document:
        return known[1], known[2]
    options = comms_settings(session)
    cadences = {
        key: {audience: _every(severity, audience) for audience in AUDIENCES}
        for key, severity in catalog.severities_by_key(session).items()
    }
    if document:  # before a first apply the catalog is the tests' own rows: always read
        _FIRST_PLAN[:] = [(document, options, cadences)]
    return options, cadences


def stop(session: Session, clock: Clock, incident_id: int) -> None:
    """No more updates are due: cancel pending reminders, checks and escalations."""
    for row in rows_of(session, incident_id):
        _cancel(session, clock, row)
        row.due_at = None
        row.generation += 1
    session.flush()


def _on_opened(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is not None:  # opened by this very transaction: no rows yet
        incident = incidents.get_incident_by_id(session, event.incident_id)
        plan_first(session, clock, incident, new=True)


def _on_reopened(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is None:
        return
    # Back after everyone was told it was resolved: word is owed as soon as for a new incident
    # (`first_update_within` when the severity has one), then on the cadence.
    plan_first(session, clock, incidents.get_incident_by_id(session, event.incident_id))


def _on_raised(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A more severe incident may owe its updates sooner: each audience's next update is due
    no later than the new severity's cadence from now (its `first_update_within` if that
    audience has had no update yet); an earlier due time stands. Lowering changes nothing
    now: the update already due stays due, the next follows the new cadence."""
    if event.incident_id is None:
        return
    incident = incidents.get_incident_by_id(session, event.incident_id)
    if incident.status in CLOSED:
        return
    options = comms_settings(session)
    severity = catalog.severities_by_key(session).get(incident.severity)
    first = options.first_update_within.get(incident.severity)
    for audience in AUDIENCES:
        if incident.drill and audience == EXTERNAL:
            continue  # a drill has no public audience
        row = row_of(session, incident.id, audience)
        cadence = _every(severity, audience)
        waits = [w for w in (cadence, first if row is None or not row.updates else None) if w]
        if not waits:
            continue
        due, was = clock.now() + min(waits), (row.due_at if row is not None else None)
        if was is not None and was <= due:
            continue
        plan(session, clock, incident, audience, due, options)
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="comms:cadence:tightened",
            actor=ACTOR,
            payload={
                "audience": audience,
                "severity": incident.severity,
                "due_at": iso_or_none(due),
                "was_due_at": iso_or_none(was),
            },
        )


def _on_closed(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is not None:
        stop(session, clock, event.incident_id)


# Reactions to other domains' events; the composition root (warroom.wiring) subscribes them.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("incident:incident:opened", _on_opened),
    ("incident:status:reopened", _on_reopened),
    ("incident:severity:raised", _on_raised),
    ("incident:status:resolved", _on_closed),
    ("incident:status:closed", _on_closed),
)


def iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
