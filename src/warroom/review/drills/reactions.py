"""Reactions to incident events: an incident opened as a drill (`warroom incident open --drill`,
the API's `drill: true`) gets its drill row, as `warroom drill start` gives one. Runs inside the
incident's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.events import DomainEvent, Handler
from warroom.review.drills import service


def _on_opened(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is None or not event.payload.get("drill"):
        return
    services = event.payload.get("services") or []
    service.record_opened(
        session,
        clock,
        event.incident_id,
        severity=str(event.payload["severity"]),
        service=str(services[0]) if services else None,
        actor=event.actor,
    )


# Events of other domains this one reacts to; the composition root (warroom.wiring) subscribes.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (("incident:incident:opened", _on_opened),)
