"""Incident status moves through the lifecycle (acknowledge, mitigate, resolve, close, reopen,
refire) and severity changes; each takes the incident's row lock and records its timeline event.

Re-exported by `warroom.incidents.service`, which other domains import.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog.service import require_severity
from warroom.catalog.service import severities_by_key as severities
from warroom.clock import Clock
from warroom.errors import Conflict, Invalid
from warroom.incidents import lifecycle
from warroom.incidents.locking import lock
from warroom.incidents.models import Incident


def _transition(
    session: Session,
    clock: Clock,
    incident: Incident,
    action: str,
    actor: str,
    note: str,
    extra: dict[str, Any] | None = None,
) -> Incident:
    lock(session, clock, incident)
    step = lifecycle.check(incident.status, action, incident.ref)
    now = clock.now()
    before = incident.status
    if step.event == "reopened":
        incident.reopened_at, incident.reopen_count = now, incident.reopen_count + 1
        incident.mitigated_at = incident.mitigated_by = None
        incident.resolved_at = incident.resolved_by = None
    else:
        # An ack after a refire keeps the first acknowledgement, as a reopen does (MTTA).
        if step.target != "acknowledged" or incident.acknowledged_at is None:
            setattr(incident, f"{step.target}_at", now)
            setattr(incident, f"{step.target}_by", actor)
        if step.target in ("mitigated", "resolved") and incident.responded_at is None:
            incident.responded_at = now
    incident.status = step.target
    incident.updated_at = now
    session.flush()
    payload: dict[str, Any] = {"from": before, "to": step.target}
    if note:
        payload["note"] = note
    payload.update(extra or {})
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind=f"incident:status:{step.event}",
        actor=actor,
        payload=payload,
    )
    return incident


def acknowledge(
    session: Session, clock: Clock, incident: Incident, *, actor: str, note: str = ""
) -> Incident:
    """triggered → acknowledged."""
    return _transition(session, clock, incident, "ack", actor, note)


def mitigate(
    session: Session, clock: Clock, incident: Incident, *, actor: str, note: str = ""
) -> Incident:
    """triggered/acknowledged → mitigated (the bleeding has stopped)."""
    return _transition(session, clock, incident, "mitigate", actor, note)


def resolve(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    actor: str,
    note: str = "",
    force: bool | None = None,
) -> Incident:
    """triggered/acknowledged/mitigated → resolved.

    `force` (a person resolving: False unless they insist) goes into the event payload, where
    subscribers may refuse the resolve (active mitigations); automatic resolves leave it None.
    """
    extra = None if force is None else {"force": force}
    return _transition(session, clock, incident, "resolve", actor, note, extra)


def close(
    session: Session, clock: Clock, incident: Incident, *, actor: str, note: str = ""
) -> Incident:
    """resolved → closed (final)."""
    return _transition(session, clock, incident, "close", actor, note)


def reopen(
    session: Session, clock: Clock, incident: Incident, *, actor: str, note: str = ""
) -> Incident:
    """resolved → acknowledged again."""
    return _transition(session, clock, incident, "reopen", actor, note)


def refire(
    session: Session, clock: Clock, incident: Incident, *, actor: str, note: str = ""
) -> Incident:
    """resolved → triggered again: its alert fired again soon after a manual resolve."""
    return _transition(session, clock, incident, "refire", actor, note)


def change_severity(
    session: Session, clock: Clock, incident: Incident, *, severity: str, reason: str, actor: str
) -> Incident:
    """Raise or lower the severity with a reason; records incident:severity:raised|lowered."""
    new = require_severity(session, severity)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a severity change needs a reason", field="reason")
    lock(session, clock, incident)
    if incident.severity == severity:
        raise Conflict(f"{incident.ref} is already {severity}", field="severity")
    old = severities(session).get(incident.severity)
    # Lower rank is more severe; an unknown old severity counts as the least severe.
    raised = old is None or new.rank < old.rank
    before = incident.severity
    incident.severity = severity
    incident.updated_at = clock.now()
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind=f"incident:severity:{'raised' if raised else 'lowered'}",
        actor=actor,
        payload={"from": before, "to": severity, "reason": reason},
    )
    return incident
