"""Runbooks and their runs on incidents: store, find, attach (pinning the version), links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom import memo
from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.errors import Conflict, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident
from warroom.runbooks.document import RunbookDoc
from warroom.runbooks.models import Runbook, RunbookLink, RunbookRun

ATTACHED = "runbook:runbook:attached"
LINKED = "runbook:link:added"


def runbooks_by_key(session: Session) -> dict[str, Runbook]:
    """Every stored runbook (active or retired) by key."""
    return {r.key: r for r in session.scalars(select(Runbook))}


# (the configuration document, whether any runbook was active under it): runbooks are stored
# and retired only by `config apply` (runbooks.config), which makes a new document, so the
# answer holds until the document changes. Every incident opened asks; the query was ~3 % of
# an alert's CPU in intake under a burst.
_ANY_ACTIVE: list[tuple[dict[str, Any], bool]] = []
_ANY_ACTIVE_QUERY = select(Runbook.id).where(Runbook.active).limit(1)


def any_active(session: Session) -> bool:
    """Whether any runbook is active (remembered per applied configuration document, and for a
    transaction that enabled remembering)."""
    document = config_service.current_document(session)
    known = _ANY_ACTIVE[0] if _ANY_ACTIVE else None
    if known is not None and document and known[0] is document:
        return known[1]
    query = _ANY_ACTIVE_QUERY
    found = memo.remember(session, "runbooks.any", lambda: session.scalar(query) is not None)
    if document:  # before a first apply the runbooks are the tests' own rows: always asked
        _ANY_ACTIVE[:] = [(document, found)]
    return found


# (the configuration document, each active runbook's key and front-matter label matchers, for
# those that have some): asked by every alert that joins an open incident, so remembered as
# `_ANY_ACTIVE` is.
Matchers = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
_MATCHERS: list[tuple[dict[str, Any], Matchers]] = []


def label_matchers(session: Session) -> Matchers:
    """(key, matchers) of the active runbooks whose front matter names label matchers."""
    document = config_service.current_document(session)
    known = _MATCHERS[0] if _MATCHERS else None
    if known is not None and document and known[0] is document:
        return known[1]
    found = tuple(
        (row.key, tuple(sorted(doc.matchers.items())))
        for row in list_runbooks(session)
        if (doc := document_of(row)).matchers
    )
    if document:
        _MATCHERS[:] = [(document, found)]
    return found


def attached_keys(session: Session, incident_id: int, keys: set[str]) -> set[str]:
    """Which of these runbooks are attached to the incident already."""
    query = select(RunbookRun.runbook_key).where(
        RunbookRun.incident_id == incident_id, RunbookRun.runbook_key.in_(sorted(keys))
    )
    return set(session.scalars(query))


def list_runbooks(session: Session) -> list[Runbook]:
    """The active runbooks, by key."""
    return list(session.scalars(select(Runbook).where(Runbook.active).order_by(Runbook.key)))


def get_runbook(session: Session, key: str) -> Runbook:
    """The active runbook `key`, or NotFound naming the field `key`."""
    row = session.scalar(select(Runbook).where(Runbook.key == key, Runbook.active))
    if row is None:
        raise NotFound(f"no runbook {key!r}", field="key")
    return row


def document_of(row: Runbook | RunbookRun) -> RunbookDoc:
    """The parsed runbook a row stores."""
    return RunbookDoc.model_validate(row.document)


def store_runbook(
    session: Session, clock: Clock, doc: RunbookDoc, named_by_services: list[str]
) -> Runbook:
    """Create or update the runbook `doc.id` (running checklists keep their version)."""
    row = session.scalar(select(Runbook).where(Runbook.key == doc.id))
    if row is None:
        row = Runbook(key=doc.id)
        session.add(row)
    row.title, row.version = doc.title, doc.version()
    row.document = doc.model_dump(mode="json")
    row.named_by_services, row.active, row.updated_at = named_by_services, True, clock.now()
    session.flush()
    return row


def retire_runbook(session: Session, clock: Clock, row: Runbook) -> None:
    """A runbook removed from config: no longer attaches (existing runs stay)."""
    row.active, row.updated_at = False, clock.now()


def open_runs(session: Session, keys: set[str]) -> list[tuple[int, RunbookRun]]:
    """(incident number, run) of these runbooks on incidents still open, by number."""
    if not keys:
        return []
    rows = session.execute(
        select(Incident.number, RunbookRun)
        .join(Incident, Incident.id == RunbookRun.incident_id)
        .where(RunbookRun.runbook_key.in_(sorted(keys)), Incident.status.in_(OPEN_STATUSES))
        .order_by(Incident.number)
    )
    return [(int(number), run) for number, run in rows]


def runs_of(session: Session, incident_id: int) -> list[RunbookRun]:
    """The runbooks attached to an incident, in attach order."""
    query = select(RunbookRun).where(RunbookRun.incident_id == incident_id)
    return list(session.scalars(query.order_by(RunbookRun.id)))


def links_of(session: Session, incident_id: int) -> list[RunbookLink]:
    """The runbook URLs the incident's alerts carried."""
    query = select(RunbookLink).where(RunbookLink.incident_id == incident_id)
    return list(session.scalars(query.order_by(RunbookLink.id)))


def _attach(
    session: Session, clock: Clock, incident: Incident, row: Runbook, reason: str, actor: str
) -> RunbookRun:
    run = RunbookRun(
        incident_id=incident.id,
        runbook_key=row.key,
        title=row.title,
        version=row.version,
        document=row.document,
        reason=reason,
        attached_by=actor,
        attached_at=clock.now(),
    )
    session.add(run)
    session.flush()
    steps = sum(1 for _ in document_of(row).steps())
    payload: dict[str, Any] = {"runbook": row.key, "version": row.version, "title": row.title}
    payload |= {"reason": reason, "steps": steps}
    timeline.record(
        session, clock, incident_id=incident.id, kind=ATTACHED, actor=actor, payload=payload
    )
    return run


def attach(session: Session, clock: Clock, number: int, key: str, actor: str) -> RunbookRun:
    """Attach runbook `key` to incident `number` by hand (Conflict if already attached)."""
    incident = incidents.get_incident(session, number)
    incidents.lock(session, clock, incident)
    row = get_runbook(session, key)
    if any(r.runbook_key == key for r in runs_of(session, incident.id)):
        raise Conflict(f"runbook {key!r} is already attached to INC-{number}", field="key")
    return _attach(session, clock, incident, row, "manual", actor)


def _matches(doc: RunbookDoc, incident: Incident, labels: list[dict[str, Any]]) -> bool:
    if not (doc.services or doc.severities or doc.matchers):
        return False
    services = {s.service_key for s in incident.services}
    if doc.services and not services.intersection(doc.services):
        return False
    if doc.severities and incident.severity not in doc.severities:
        return False
    if doc.matchers:
        wanted = doc.matchers.items()
        # A label the alert lacks matches nothing (not the text "None").
        return any(all(k in lb and str(lb[k]) == v for k, v in wanted) for lb in labels)
    return True


def attach_matching(
    session: Session,
    clock: Clock,
    incident_id: int,
    *,
    route_runbooks: list[str],
    labels: list[dict[str, Any]],
    actor: str,
    open_only: bool = False,
) -> list[RunbookRun]:
    """Attach what an incident calls for: its route's, its services', front-matter matches
    (`open_only`: nothing once it is resolved or closed)."""
    incident = incidents.lock_by_id(session, incident_id)
    if incident is None or (open_only and incident.status in ("resolved", "closed")):
        return []
    have = {r.runbook_key for r in runs_of(session, incident_id)}
    services = {s.service_key for s in incident.services}
    attached = []
    for row in list_runbooks(session):
        if row.key in have:
            continue
        if row.key in route_runbooks:
            reason = "route"
        elif services.intersection(row.named_by_services or []):
            reason = "service"
        elif _matches(document_of(row), incident, labels):
            reason = "match"
        else:
            continue
        attached.append(_attach(session, clock, incident, row, reason, actor))
    return attached


def add_link(
    session: Session, clock: Clock, incident_id: int, url: str, alert_id: int | None, actor: str
) -> bool:
    """Keep an alert's runbook URL on its incident (once per URL); True if it is new."""
    query = select(RunbookLink.id).where(
        RunbookLink.incident_id == incident_id, RunbookLink.url == url
    )
    if session.scalar(query) is not None:
        return False
    session.add(
        RunbookLink(incident_id=incident_id, url=url, alert_id=alert_id, added_at=clock.now())
    )
    session.flush()
    payload = {"url": url, "alert_id": alert_id}
    timeline.record(
        session, clock, incident_id=incident_id, kind=LINKED, actor=actor, payload=payload
    )
    return True
