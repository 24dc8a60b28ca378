"""Resolving an incident while its mitigations are still active needs `force`.

The incident API's resolve records `force` in the `incident:status:resolved` payload; when it
is false and this incident has active mitigations, the resolve is refused with 409 naming them
(the whole transaction rolls back). Automatic resolves (alerts, heartbeats) carry no `force`
and are not held up.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.actions import service
from warroom.clock import Clock
from warroom.errors import Conflict
from warroom.events import DomainEvent, Handler


def _hold_resolve(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is None or event.payload.get("force") is not False:
        return
    active = service.active_mitigations(session, event.incident_id)
    if active:
        names = ", ".join(f"run {r.id} {r.action_key}" for r in active)
        raise Conflict(
            f"mitigations still active: {names}; revert them or resolve with force",
            field="force",
        )


# Events of other domains this one reacts to; the composition root (warroom.wiring) subscribes.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (("incident:status:resolved", _hold_resolve),)
