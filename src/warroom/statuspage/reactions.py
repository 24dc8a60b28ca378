"""How the status page follows what happens elsewhere, inside the same transaction: an
incident's status or (shown) severity moves its public times; a public update of a published
incident is mailed to its subscribers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.events import DomainEvent, Handler
from warroom.incidents import service as incidents
from warroom.statuspage import records, service, subscribers
from warroom.statuspage import updates as public_text
from warroom.statuspage.models import PublishedIncident


def _on_status(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A status change moves the public times only when the page shows it: resolving or
    reopening (the public status), or a mitigation whose time the page gives as monitoring_at.
    An acknowledgement, or closing a resolved incident, changes nothing public and stays
    private (the times and every ETag stay as they were)."""
    if event.incident_id is None:
        return
    record = records.is_published(session, event.incident_id)
    if record is None:
        return
    was_open = record.open
    record.open = incidents.is_open(session, event.incident_id) is not None
    if record.open != was_open or (
        event.kind == "incident:status:mitigated" and _shows_mitigation(session, record)
    ):
        record.updated_at = clock.now()
    session.flush()
    if record.open != was_open:
        _tell_subscribers(session, clock, record)


# What subscribers are told when a published incident is resolved or back, however it was.
BACK_TEXT = "This incident is back: we are investigating."


def _tell_subscribers(session: Session, clock: Clock, record: PublishedIncident) -> None:
    """Tell subscribers the incident was resolved or reopened (`warroom incident resolve`, an
    alert firing again, ...): the page says so, and they were last told it was under way (or
    over). A resolve by a public status update is told by that update instead (checked when
    sending: the update is stored after the resolve)."""
    now = clock.now()
    state, body = (
        ("investigating", BACK_TEXT)
        if record.open
        else ("resolved", service.STATE_TEXT["resolved"])
    )
    subscribers.announce(
        session, clock, key=f"incident:{record.id}:{state}:{now.isoformat()}",
        subject=f"[{state}] {record.name}", body=body, components=list(record.components),
        unless_said=None if record.open else (state, now),
    )  # fmt: skip


def _shows_mitigation(session: Session, record: PublishedIncident) -> bool:
    """Whether the page gives the incident's mitigation time as its monitoring_at (no public
    update has said monitoring)."""
    incident = incidents.get_incident_by_id(session, record.incident_id)
    shown = service.public_incident(session, record.id).monitoring_at
    return shown is not None and shown == incident.mitigated_at


def _on_severity(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A severity change moves the public times only when it changes what the page shows (the
    status its components take, and the impact): a change the page does not show stays private."""
    if event.incident_id is None:
        return
    record = records.is_published(session, event.incident_id)
    if record is None:
        return
    cfg = service.page_config(session)
    before, after = (
        service.severity_status(session, cfg, str(event.payload.get(k))) for k in ("from", "to")
    )
    if before != after:
        record.updated_at = clock.now()
        session.flush()


def _on_public_update(session: Session, clock: Clock, event: DomainEvent) -> None:
    record = None if event.incident_id is None else records.is_published(session, event.incident_id)
    if record is None:
        return
    latest = public_text.public_updates(session, record.incident_id, record.id)
    if not latest:
        return
    update = latest[-1]
    subscribers.announce(
        session, clock, key=f"incident:{record.id}:update:{update.id}",
        subject=f"[{update.status}] {record.name}", body=update.body,
        components=list(record.components),
    )  # fmt: skip


# Events of other domains this one reacts to; the composition root (warroom.wiring) subscribes.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("incident:status:*", _on_status),
    ("incident:severity:*", _on_severity),
    ("comms:update:external", _on_public_update),
)
