"""Alerts and incidents: a new alert joins the open incident of its group (or, by inhibition,
of its service), otherwise it opens one; resolutions are told to the timeline."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.db import advisory_lock
from warroom.errors import WarroomError
from warroom.incidents import service as incidents
from warroom.intake import alert_incidents, dedup, raising, refire, storm
from warroom.intake.routing import Decision
from warroom.intake.schemas import NormalisedAlert
from warroom.intake.state import IntakeConfig

log = logging.getLogger("warroom.intake")
OPEN = ("triggered", "acknowledged", "mitigated")


@dataclass
class Group:
    key: str
    decision: Decision
    alerts: list[tuple[NormalisedAlert, int]] = field(default_factory=list)  # (alert, row id)
    # (id, number) of the incident these alerts fired again after, resolved by hand while
    # they still fired (warroom.intake.refire).
    previous: tuple[int, int] | None = None


def dedup_group(key: str) -> str:
    """The incident's dedup_group for a routing group (bounded length, stable)."""
    return key if len(key) <= 120 else "intake:" + hashlib.sha256(key.encode()).hexdigest()


def take_turns(session: Session, group_key: str) -> None:
    """The group lock of a routing group that may open an incident, taken before any incident
    row: two requests opening the same group at once must not open two incidents (PostgreSQL;
    on SQLite intake's unit of work already takes turns)."""
    advisory_lock(session, dedup_group(group_key))


_HELD = "warroom.intake.held_incidents"  # session.info: (transaction, incident ids it locked)


def hold_incidents(session: Session, incident_ids: Iterable[int]) -> None:
    """Lock these incident rows in id order, unless this transaction holds them already."""
    transaction = session.get_transaction()
    current = session.info.get(_HELD)
    if current is None or current[0] is not transaction:
        current = session.info[_HELD] = (transaction, set())
    held: set[int] = current[1]
    todo = set(incident_ids) - held
    if todo:
        incidents.lock_rows(session, todo)
        held |= todo


def _alert_payload(alerts: list[tuple[NormalisedAlert, int]], integration: str) -> dict[str, Any]:
    return {
        "integration": integration,
        "alerts": [
            {"id": row_id, "fingerprint": a.fingerprint, "summary": a.summary[:200]}
            for a, row_id in alerts[:50]
        ],
        "count": len(alerts),
    }


def _open_incident_of(
    session: Session, group_key: str, dedup_key: str
) -> tuple[tuple[int, int] | None, bool]:
    """(id, number) of the open incident this group joins, if any; and whether any alert of
    the group ever joined an incident (if not, there is no earlier incident to fire again)."""
    # Both read in one round trip; the dedup group's open incident counts only when the
    # group's newest alert's incident is not open (the fast path).
    last, open_in_group = alert_incidents.group_and_open_incident(session, group_key, dedup_key)
    if last is not None and last.status in OPEN:
        number = last.number
        if number is None:  # not named on the alert row: ask the incident
            number = incidents.is_open(session, last.id)
        if number is not None:
            return (last.id, number), True
    return open_in_group, last is not None


def open_incident_of(session: Session, key: str) -> tuple[int, int] | None:
    """(id, number) of the open incident a routing group's alerts would join (no lock taken)."""
    return _open_incident_of(session, key, dedup_group(key))[0]


def _inhibiting(session: Session, cfg: IntakeConfig, decision: Decision) -> Any:
    if not decision.inhibit_severity or not decision.service:
        return None
    limit = cfg.severity_rank(decision.inhibit_severity)
    # A drill never inhibits: a real alert is not buried in a practice incident. Nor does a
    # private one: only its members see it, so an alert buried there would page nobody new
    # and be hidden from everyone else on call.
    found, _ = incidents.list_incidents(
        session, status=list(OPEN), service=decision.service, limit=50, include_drills=False
    )
    for incident in found:
        if incident.private:
            continue
        rank = cfg.severity_rank(incident.severity)
        if limit is None or (rank is not None and rank <= limit):
            return incident
    return None


def place(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    integration: str,
    source: str,
    group: Group,
    guard: storm.Guard | None = None,
    joins: tuple[int, int] | None = None,
) -> tuple[int, int] | None:
    """Attach a group's new alerts to an incident (joining or opening one): (id, number).

    `joins`: the open incident the caller found for this group in this transaction and
    stored the group's alerts linked to; without it the group may open an incident: the
    caller holds its group lock (`take_turns`), the group is looked up here, after that lock,
    and its alerts are linked to the incident they join.
    """
    key = dedup_group(group.key)
    actor = f"intake:{integration}"
    payload = _alert_payload(group.alerts, integration)
    found, joined_before = joins, True
    if joins is None:
        found, joined_before = _open_incident_of(session, group.key, key)
    reason = "group"
    if found is None and group.key.startswith("drill:"):
        return None  # a drill's alert joins its open drill incident only, never a real one
    if found is None and (joined_before or group.previous is not None):
        found, reason = refire.reopen_or_follow(session, clock, group, actor), "reopened"
    if found is None:
        inhibiting = _inhibiting(session, cfg, group.decision)
        found = None if inhibiting is None else (inhibiting.id, inhibiting.number)
        reason = "inhibit"
        if found is not None and guard is not None and guard.holds(found[0]):
            # Held by its own integration's storm: a fold the storm counts, not an inhibition
            # it cannot see (which would let it end as quiet while groups still arrive).
            reason = "storm"
    if found is None and guard is not None:
        found, reason = guard.admit(group), "storm"
    if found is None:
        first = group.alerts[0][0]
        # A private incident's alerts firing again open a private incident, its members' too.
        private = refire.private_previous(session, group)
        try:
            with session.begin_nested():
                incident = incidents.open_incident(
                    session,
                    clock,
                    actor=actor,
                    title=(first.summary or first.labels.get("alertname") or "Alert")[:300],
                    severity=group.decision.severity,
                    services=[group.decision.service] if group.decision.service else [],
                    summary=str(first.annotations.get("description") or "")[:5000],
                    source=source,
                    dedup_group=key,
                    previous_number=group.previous[1] if group.previous else None,
                    private=private is not None,
                    created_by=private.created_by if private is not None else None,
                )
        except WarroomError as exc:
            # The alert is stored either way; a config gap must not lose it.
            log.error("intake: could not open an incident for group %s: %s", key, exc.message)
            return None
        if private is not None:
            refire.carry_roles(session, clock, private, incident, actor)
        found = (incident.id, incident.number)
        if guard is not None:
            guard.opened()
        kind = "intake:alert:fired"
        payload.update(route=group.decision.route, runbooks=group.decision.runbooks)
    elif reason == "storm" and guard is not None:
        kind = storm.FOLDED
        payload.update(guard.folded(group))
    else:
        kind = "intake:alert:grouped"
        payload["reason"] = reason
        if group.decision.runbooks:  # what its route names may attach now (runbooks.reactions)
            payload["runbooks"] = group.decision.runbooks
    incident_id, number = int(found[0]), int(found[1])
    if joins is None:
        ids = [row_id for _, row_id in group.alerts]
        alert_incidents.link_incident(session, ids, incident_id, number)
    # The incident rows before their timeline chain heads (docs/dev/engine.md, "Lock order"):
    # an incident joined (group, inhibition, storm) and the one these alerts fired again
    # after, in id order. One just opened is ours already, one reopened was locked to reopen.
    held = {incident_id} if kind == "intake:alert:fired" or reason == "reopened" else set()
    touched = {incident_id} | ({group.previous[0]} if group.previous is not None else set())
    hold_incidents(session, touched - held)
    timeline.record(
        session, clock, incident_id=incident_id, kind=kind, actor=actor, payload=payload
    )
    if group.previous is not None:
        refire.record(session, clock, group, (incident_id, number), actor)
    severity = group.decision.severity
    folded_raises = kind == storm.FOLDED and guard is not None and guard.may_raise(severity)
    if kind == "intake:alert:grouped" or folded_raises:  # a storm holds what folds into it
        raising.raise_if_more_severe(
            session, clock, cfg, incident_id, severity, group.alerts, actor
        )
    return incident_id, number


def on_resolved(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    integration: str,
    resolved: list[tuple[NormalisedAlert, dedup.OpenRow]],
) -> None:
    """Tell each incident which of its alerts resolved; all resolved → say so, maybe resolve."""
    by_incident: dict[int, list[tuple[NormalisedAlert, int]]] = {}
    services: dict[int, set[str]] = {}
    for alert, row in resolved:
        if row.incident_id is not None:
            by_incident.setdefault(row.incident_id, []).append((alert, row.id))
            if row.service:
                services.setdefault(row.incident_id, set()).add(row.service)
    if not by_incident:
        return
    # Lock each incident (in id order) before counting its open alerts: of two requests that
    # resolve an incident's last two alerts at once, the second then counts after the first
    # committed, so exactly one of them sees none left (docs/dev/engine.md, "Lock order").
    hold_incidents(session, by_incident)
    remaining = alert_incidents.open_counts(session, set(by_incident))
    actor = f"intake:{integration}"
    for incident_id, alerts in by_incident.items():
        payload = _alert_payload(alerts, integration)
        payload["still_open"] = remaining[incident_id]
        timeline.record(
            session,
            clock,
            incident_id=incident_id,
            kind="intake:alert:resolved",
            actor=actor,
            payload=payload,
        )
        if remaining[incident_id]:
            continue
        timeline.record(
            session,
            clock,
            incident_id=incident_id,
            kind="intake:incident:all_alerts_resolved",
            actor=actor,
            payload={},
        )
        if services.get(incident_id, set()) & cfg.auto_resolve:
            incident = incidents.get_incident_by_id(session, incident_id)
            if incident.status in OPEN:
                incidents.resolve(
                    session,
                    clock,
                    incident,
                    actor=actor,
                    note="every alert resolved (auto_resolve)",
                )


def on_acknowledged(
    session: Session,
    clock: Clock,
    integration: str,
    acked: list[tuple[NormalisedAlert, dedup.OpenRow]],
) -> None:
    """A sender acknowledged alerts (PagerDuty, Opsgenie): acknowledge their incidents."""
    actor = f"intake:{integration}"
    # Every incident (in id order) before any timeline write, then its status read after the
    # lock: a paging job holding an incident row waits for its chain head, so taking the head
    # first deadlocks with it (docs/dev/engine.md, "Lock order").
    ids = sorted({r.incident_id for _, r in acked if r.incident_id is not None})
    locked = [incidents.lock_by_id(session, incident_id) for incident_id in ids]
    for incident in locked:
        if incident is None:
            continue
        incident_id = incident.id
        alerts = [(a, r.id) for a, r in acked if r.incident_id == incident_id]
        timeline.record(
            session,
            clock,
            incident_id=incident_id,
            kind="intake:alert:acknowledged",
            actor=actor,
            payload=_alert_payload(alerts, integration),
        )
        if incident.status == "triggered":
            incidents.acknowledge(
                session, clock, incident, actor=actor, note="acknowledged by sender"
            )
