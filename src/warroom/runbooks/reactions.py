"""Attach runbooks as incidents open and when their severity changes: events queue a
`runbooks.attach` job, the job attaches.

The subscriptions only enqueue (in the transaction that stores the alert), so a runbook
problem is a failing job, retried and visible in `warroom jobs list`, never a rejected alert.
Alerts joining an open incident queue at most one pending job per incident (the dedup key),
which attaches the runbooks their route names or their labels match and keeps the runbook URLs
they carry; a storm adds no more than that to the hot path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.events import DomainEvent, Handler
from warroom.intake import service as intake
from warroom.runbooks import service

ATTACH_KIND = "runbooks.attach"
ACTOR = "engine"
ALERTS_READ = 200  # the newest alerts of an incident whose labels and URLs count


def _enqueue(
    session: Session,
    clock: Clock,
    event: DomainEvent,
    what: str,
    payload: dict[str, Any],
    new_key: bool = False,
) -> Job | None:
    if event.incident_id is None:
        return None
    return engine.enqueue(
        session,
        clock,
        ATTACH_KIND,
        {"incident_id": event.incident_id, **payload},
        dedup_key=f"{ATTACH_KIND}:{event.incident_id}:{what}",
        incident_id=event.incident_id,
        new_key=new_key,
    )


# The incident of an `opened` or `fired` event was inserted by this very transaction, so no
# pending job can hold its key yet: enqueue skips the look-up (new_key).


def on_opened(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A new incident: attach its services' and matching runbooks (on the engine)."""
    if not service.any_active(session):
        return  # nothing could attach (route runbooks name active runbooks too)
    _enqueue(session, clock, event, "opened", {"match": True}, new_key=True)


def on_fired(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Alerts opened an incident: their route's runbooks, label matches, runbook URLs."""
    if not service.any_active(session) and not _carries_runbook_url(session, event.payload):
        return  # no runbook to attach and no runbook URL to keep: no job
    runbooks = [str(r) for r in event.payload.get("runbooks") or []]
    payload = {"match": True, "runbooks": runbooks}
    # The incident's `opened` job, queued by this transaction a moment ago, does this too:
    # one job per new incident, carrying the route's runbooks.
    job = _enqueue(session, clock, event, "opened", payload, new_key=True)
    if job is not None and list(job.payload.get("runbooks") or []) != runbooks:
        job.payload = {**job.payload, **payload}


def on_severity(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A severity change: attach what the new severity calls for (front matter `severities`),
    as opening at it would; once per runbook, and not once the incident is resolved."""
    if not service.any_active(session):
        return
    _enqueue(session, clock, event, "severity", {"match": True, "open_only": True})


def _is_link(url: Any) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))


def _carries_runbook_url(session: Session, payload: dict[str, Any]) -> bool:
    """Whether any alert of a grouped event has a runbook URL (one query, no job otherwise)."""
    listed = [a for a in payload.get("alerts") or [] if isinstance(a, dict)]
    ids = [int(a["id"]) for a in listed if isinstance(a.get("id"), int)]
    if not ids or len(ids) < int(payload.get("count") or 0):
        return True  # the event names only some of its alerts: let the job read them all
    found = intake.annotations_of(session, ids)
    return any(_is_link(notes.get("runbook_url")) for notes in found.values())


def _could_attach(session: Session, event: DomainEvent) -> bool:
    """Whether the alerts that joined could attach a runbook the incident lacks: one their
    route names, or one whose front-matter label matchers their labels meet (the rest of a
    runbook's front matter, its services and severities, is the incident's own, which
    opening and a severity change already judged). No query when no runbook could."""
    assert event.incident_id is not None
    if not service.any_active(session):
        return False
    wanted = {str(r) for r in event.payload.get("runbooks") or []}
    matchers = service.label_matchers(session)
    if matchers:
        listed = [a for a in event.payload.get("alerts") or [] if isinstance(a, dict)]
        ids = [int(a["id"]) for a in listed if isinstance(a.get("id"), int)]
        if not ids or len(ids) < int(event.payload.get("count") or 0):
            wanted |= {key for key, _ in matchers}  # not all named: let the job judge
        else:
            labels = list(intake.labels_of(session, ids).values())
            for key, pairs in matchers:
                if any(all(k in lb and str(lb[k]) == v for k, v in pairs) for lb in labels):
                    wanted.add(key)
    if not wanted:
        return False
    return bool(wanted - service.attached_keys(session, event.incident_id, wanted))


def on_grouped(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Alerts joined an open incident: attach the runbooks their route names or their labels
    match (front matter `matchers`) and keep the runbook URLs they carry; a job only if any."""
    if event.incident_id is None:
        return
    match = _could_attach(session, event)
    if not match and not _carries_runbook_url(session, event.payload):
        return
    runbooks = [str(r) for r in event.payload.get("runbooks") or []]
    payload = {"match": match, "open_only": True, "runbooks": runbooks}
    job = _enqueue(session, clock, event, "links", payload)
    if job is None or not match:
        return
    had = [str(r) for r in job.payload.get("runbooks") or []]
    if not job.payload.get("match") or not set(runbooks) <= set(had):
        # a pending job of an earlier join: it now also attaches what these alerts call for
        merged = sorted(set(had) | set(runbooks))
        job.payload = {**job.payload, "match": True, "open_only": True, "runbooks": merged}


def run_attach(session: Session, clock: Clock, payload: dict[str, Any]) -> None:
    """Attach what the incident calls for and keep its alerts' runbook URLs (idempotent)."""
    incident_id = int(payload["incident_id"])
    alerts = intake.list_alerts(session, incident_id=incident_id, limit=ALERTS_READ)[::-1]
    if payload.get("match"):
        service.attach_matching(
            session,
            clock,
            incident_id,
            route_runbooks=list(payload.get("runbooks") or []),
            labels=[dict(a.labels or {}) for a in alerts],
            actor=ACTOR,
            open_only=bool(payload.get("open_only")),
        )
    for alert in alerts:
        url = (alert.annotations or {}).get("runbook_url")
        if _is_link(url) and isinstance(url, str):
            service.add_link(session, clock, incident_id, url, alert.id, ACTOR)


@handler(ATTACH_KIND, batch=True)  # database only: several share a transaction
def attach(ctx: JobContext, job: Job) -> None:
    run_attach(ctx.session, ctx.clock, job.payload)


SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("incident:incident:opened", on_opened),
    ("intake:alert:fired", on_fired),
    ("intake:alert:grouped", on_grouped),
    ("incident:severity:raised", on_severity),
    ("incident:severity:lowered", on_severity),
)
