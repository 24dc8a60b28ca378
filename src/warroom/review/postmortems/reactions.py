"""Reactions to incident events: resolved (or, once resolved, raised) → the postmortem its
severity requires; reopened → one not yet published is not owed (no due time) until resolved
again, then due from that resolution; resolved again → a published one back to draft; a severity
change → the due time follows it (`obligation`); closing waits for that postmortem to be
published. All run inside the incident's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.events import DomainEvent, Handler
from warroom.incidents import service as incidents
from warroom.review.postmortems import obligation, service


def _on_resolved(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is None:
        return
    incident = incidents.get_incident_by_id(session, event.incident_id)
    obligation.reopen_published(session, clock, incident, event.actor)
    service.create_if_required(session, clock, incident, event.actor)


def _on_reopened(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Open again: its postmortem is not owed until the next resolution."""
    if event.incident_id is None:
        return
    obligation.pause(session, clock, incidents.get_incident_by_id(session, event.incident_id))


def _on_severity(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Its postmortem's due time follows the new severity; a resolved incident raised to a
    severity that requires a postmortem gets one."""
    if event.incident_id is None:
        return
    incident = incidents.get_incident_by_id(session, event.incident_id)
    if service.get_for_incident(session, incident.id) is not None:
        obligation.follow_severity(session, clock, incident, str(event.payload.get("from")))
    elif incident.status in service.RESOLVED:
        service.create_if_required(session, clock, incident, event.actor)


def _hold_close(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is None:
        return
    service.refuse_close(session, incidents.get_incident_by_id(session, event.incident_id))


# Events of other domains this one reacts to; the composition root (warroom.wiring) subscribes.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("incident:status:resolved", _on_resolved),
    ("incident:status:reopened", _on_reopened),
    ("incident:severity:raised", _on_severity),
    ("incident:severity:lowered", _on_severity),
    ("incident:status:closed", _hold_close),
)
