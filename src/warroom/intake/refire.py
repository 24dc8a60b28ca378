"""Re-firing after a manual resolve: a repeat of an alert whose incident was resolved (or
closed) by hand while the alert still fired must make noise again, not be absorbed.

Dedup learns the incident's status in the same UPDATE ... RETURNING that counts the repeat,
so only such repeats come here. Each is routed afresh and takes the placement of new alerts
(`grouping.place`: its group's open incident, inhibition, the storm guard, else a new
incident). Before a new incident opens, the route's `reopen_within` is asked: an incident
resolved less than that long ago is reopened instead (back to `triggered`, so paging starts
again from level 1). A new incident names the one it follows (`previous_number`), and
`intake:incident:refired` is recorded on both.

Concurrency: the alert row is taken off its old incident with a compare-and-set, so of two
requests carrying the same repeat only one places it; the other counts a plain repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.incidents import service as incidents
from warroom.intake import dedup, grouping, storm
from warroom.intake.dedup import Refiring
from warroom.intake.routing import group_key
from warroom.intake.schemas import Batch, NormalisedAlert
from warroom.intake.state import IntakeConfig
from warroom.intake.suppression import ActiveSilence, suppressed_by

REFIRED = "intake:incident:refired"
C = dedup.C

_DETACH = (
    update(dedup.ALERTS)
    .where(C.id == bindparam("_id"), C.incident_id == bindparam("_old"))
    .values(incident_id=None, incident_number=None, group_key=bindparam("_key"))
)


def _detach(session: Session, refiring: Refiring, key: str) -> bool:
    """Take the alert off its old incident; False when a concurrent request already did."""
    params = {"_id": refiring.id, "_old": refiring.incident_id, "_key": key}
    result = session.connection().execute(_DETACH, params)
    return bool(getattr(result, "rowcount", 0))


def _reopener(
    session: Session, clock: Clock, incident_id: int, window: timedelta | None, actor: str
) -> Callable[[], tuple[int, int] | None] | None:
    """What `place` calls before opening a new incident: reopen the previous one, if recent."""
    if window is None:
        return None

    def reopen() -> tuple[int, int] | None:
        incident = incidents.lock_by_id(session, incident_id)
        if incident is None or incident.status != "resolved" or incident.resolved_at is None:
            return None  # closed is final; anything else was reopened meanwhile
        if clock.now() - incident.resolved_at > window:
            return None
        note = "its alert fired again within the route's reopen_within"
        incidents.refire(session, clock, incident, actor=actor, note=note)
        return incident.id, incident.number

    return reopen


def _routed(
    cfg: IntakeConfig,
    integration: str,
    alert: NormalisedAlert,
    silences: list[ActiveSilence],
    clock: Clock,
) -> tuple[str, Any] | None:
    """(group key, decision) of a refiring alert, or None when it must open nothing now."""
    alert.labels = cfg.router.with_integration_service(integration, alert.labels)
    decision = cfg.router.decide(integration, alert.labels, alert.severity_hint)
    if not decision.open_incident or alert.labels.get("alertname", "") in cfg.watchdogs:
        return None
    seen = alert.labels
    if decision.service and "service" not in seen:
        seen = {**seen, "service": decision.service}
    if suppressed_by(decision.service, seen, clock.now(), silences, cfg.windows):
        return None  # silenced now: stays a quiet repeat
    return group_key(decision, alert.labels, alert.fingerprint)[:1024], decision


def place_again(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    integration: str,
    batch: Batch,
    refiring: list[tuple[NormalisedAlert, Refiring]],
    silences: list[ActiveSilence],
) -> list[int]:
    """Place repeats whose incident was resolved by hand; the numbers of incidents they joined."""
    if batch.test:
        return []
    groups: dict[str, grouping.Group] = {}
    previous: dict[str, int] = {}  # group key -> the newest incident its alerts come from
    for alert, item in sorted(refiring, key=lambda pair: pair[1].id):  # row lock order
        routed = _routed(cfg, integration, alert, silences, clock)
        if routed is None or not _detach(session, item, routed[0]):
            continue
        key, decision = routed
        groups.setdefault(key, grouping.Group(key, decision)).alerts.append((alert, item.id))
        previous[key] = max(previous.get(key, 0), item.incident_id)
    if not groups:
        return []
    actor = f"intake:{integration}"
    # The storm row before any group lock, as for new alerts.
    guard = storm.guard_for(session, clock, cfg.storms, integration, batch.source)
    numbers: list[int] = []
    for key in sorted(groups):
        group = groups[key]
        before = incidents.get_incident_by_id(session, previous[key])
        group.previous_number = before.number
        window = group.decision.reopen_within
        group.reopen = _reopener(session, clock, before.id, window, actor)
        placed = grouping.place(session, clock, cfg, integration, batch.source, group, guard)
        if placed is None:
            continue
        _record(session, clock, (before.id, before.number), placed, group, actor)
        if placed[1] not in numbers:
            numbers.append(placed[1])
    return numbers


def _record(
    session: Session,
    clock: Clock,
    before: tuple[int, int],
    placed: tuple[int, int],
    group: grouping.Group,
    actor: str,
) -> None:
    """`intake:incident:refired` on the previous incident and on the one the alerts joined."""
    alerts = [
        {"id": row_id, "fingerprint": a.fingerprint, "summary": a.summary[:200]}
        for a, row_id in group.alerts[:50]
    ]
    reopened = placed[0] == before[0]
    common = {"alerts": alerts, "count": len(group.alerts), "reopened": reopened}
    if reopened:
        payloads = {before[0]: {**common, "previous_number": before[1], "number": before[1]}}
    else:
        payloads = {
            before[0]: {**common, "previous_number": before[1], "number": placed[1]},
            placed[0]: {**common, "previous_number": before[1], "number": placed[1]},
        }
    for incident_id in sorted(payloads):  # incidents in id order, as everywhere
        timeline.record(
            session,
            clock,
            incident_id=incident_id,
            kind=REFIRED,
            actor=actor,
            payload=payloads[incident_id],
        )
