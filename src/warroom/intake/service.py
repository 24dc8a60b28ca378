"""Intake logic: store a parsed batch (dedup, routing, suppression, grouping). New alerts are
routed and inserted in `new_alerts.py`; reading alerts (`listing.py`) and silences
(`silences.py`) are re-exported here. Nothing here commits or calls out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from warroom.clock import Clock
from warroom.incidents import service as incidents
from warroom.intake import alert_incidents, dedup, grouping, new_alerts, refire, storm
from warroom.intake.listing import annotations_of as annotations_of
from warroom.intake.listing import explain_route as explain_route
from warroom.intake.listing import fingerprint_of as fingerprint_of
from warroom.intake.listing import get_alert as get_alert
from warroom.intake.listing import labels_of as labels_of
from warroom.intake.listing import list_alerts as list_alerts
from warroom.intake.models import FIRING
from warroom.intake.schemas import Batch
from warroom.intake.silences import DEFAULT_SILENCE as DEFAULT_SILENCE
from warroom.intake.silences import active_silences
from warroom.intake.silences import add_silence as add_silence
from warroom.intake.silences import expire_silence as expire_silence
from warroom.intake.silences import list_silences as list_silences
from warroom.intake.silences import silence_state as silence_state
from warroom.intake.state import IntakeConfig


@dataclass
class IngestResult:
    """Counts of what a request changed, returned to generic callers and used by the bench."""

    received: int = 0
    created: int = 0
    repeated: int = 0
    resolved: int = 0
    acknowledged: int = 0
    ignored: int = 0
    suppressed: int = 0
    incidents: list[int] = field(default_factory=list)  # numbers of incidents opened or joined
    alert_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "incidents": list(self.incidents), "alert_ids": list(self.alert_ids)}

    def count(self, integration: str) -> None:
        """Add this request's outcome to the process's /metrics counters."""
        from warroom.metrics import ALERTS_RECEIVED

        for status in ("created", "repeated", "resolved", "acknowledged", "ignored", "suppressed"):
            value = getattr(self, status)
            if value:
                ALERTS_RECEIVED.labels(integration=integration, status=status).inc(value)


def ingest(
    session: Session, clock: Clock, cfg: IntakeConfig, integration: str, batch: Batch
) -> IngestResult:
    """Store a batch: bump repeats, resolve, acknowledge, insert new alerts, group them.

    Locks in the documented order (docs/dev/engine.md, "Lock order"): every alert row the
    batch writes first; then the integration's storm row and the group locks of the groups
    that may open an incident; the Watchdog's heartbeat rows; then every incident the batch
    joins, resolves or acknowledges alerts of, by id; timelines only after their incident.
    """
    now = clock.now()
    result = IngestResult(received=len(batch.alerts))
    out = dedup.classify(session, integration, batch.alerts, now)
    result.repeated, result.ignored = out.repeats, out.ignored
    if out.resolved:  # those a concurrent request resolved first are its to tell
        out.resolved = dedup.resolve_rows(session, out.resolved, now)
        result.resolved = len(out.resolved)
    if out.acknowledged:
        dedup.acknowledge_rows(session, sorted(r.id for _, r in out.acknowledged), now)
        result.acknowledged = len(out.acknowledged)
    silences = active_silences(session, now) if out.new or out.refiring else []
    placing = new_alerts.store_new(session, cfg, integration, batch, out.new, silences, now)
    result.created, result.repeated = placing.created, result.repeated + placing.lost_race
    result.suppressed, result.alert_ids = placing.suppressed, placing.alert_ids
    again = refire.regroup(session, cfg, integration, batch, out.refiring, silences, clock)
    guard = _take_turns(session, clock, cfg, integration, batch.source, placing, again)
    if cfg.watchdogs:
        _ping_watchdogs(session, clock, cfg, integration, batch)
    grouping.hold_incidents(session, _incidents_touched(out, placing, again))
    guard = _drop_stale_joins(session, clock, cfg, integration, batch.source, placing, guard)
    for key in sorted(placing.groups):
        placed = grouping.place(
            session, clock, cfg, integration, batch.source, placing.groups[key], guard,
            placing.joins[key],
        )  # fmt: skip
        if placed is not None and placed[1] not in result.incidents:
            result.incidents.append(placed[1])
    for number in refire.place_again(session, clock, cfg, integration, batch.source, again, guard):
        if number not in result.incidents:
            result.incidents.append(number)
    if out.resolved:
        grouping.on_resolved(session, clock, cfg, integration, out.resolved)
    if out.acknowledged:
        grouping.on_acknowledged(session, clock, integration, out.acknowledged)
    # Counted only once the caller commits: a rolled-back request received nothing.
    session.info.setdefault(_TO_COUNT, []).append((result, integration))
    return result


# session.info: (outcome, integration) of each batch stored in the current transaction, counted
# on /metrics when it commits. A listener per session (event.listen on the instance) cost
# about 0.2 ms per request; these two class-level ones cost nothing to sessions without it.
_TO_COUNT = "warroom.intake.to_count"


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for result, integration in session.info.pop(_TO_COUNT, ()):
        result.count(integration)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # not a savepoint: the outcomes were counted or never were
        session.info.pop(_TO_COUNT, None)


def _take_turns(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    integration: str,
    source: str,
    placing: new_alerts.Placing,
    again: dict[str, grouping.Group],
) -> storm.Guard | None:
    """The storm row, then the group lock of every group that may open an incident (in key
    order), taken only by requests with such groups: alerts joining open incidents never
    wait for them. The storm guard, when the request needs one."""
    opening = sorted({k for k in placing.groups if placing.joins[k] is None} | set(again))
    if not opening:
        return None
    guard = storm.guard_for(session, clock, cfg.storms, integration, source)
    for key in opening:
        grouping.take_turns(session, key)
    return guard


def _drop_stale_joins(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    integration: str,
    source: str,
    placing: new_alerts.Placing,
    guard: storm.Guard | None,
) -> storm.Guard | None:
    """A group's incident, found open before its row was locked, may have been resolved by
    then (a concurrent request resolved its last alert, auto_resolve; a person): its alerts
    are taken off it and placed as new ones, not buried in it. Rare, so the storm row and
    the group lock then come after the incident rows (a deadlock is broken and retried)."""
    joined = {key: found[0] for key, found in placing.joins.items() if found is not None}
    gone = {i for i in sorted(set(joined.values())) if incidents.is_open(session, i) is None}
    stale = sorted(key for key, incident_id in joined.items() if incident_id in gone)
    if not stale:
        return guard
    for key in stale:
        placing.joins[key] = None
        alert_incidents.link_incident(session, [row_id for _, row_id in placing.groups[key].alerts])
    if guard is None:
        guard = storm.guard_for(session, clock, cfg.storms, integration, source)
    for key in stale:
        grouping.take_turns(session, key)
    return guard


def _incidents_touched(
    out: dedup.Outcome, placing: new_alerts.Placing, again: dict[str, grouping.Group]
) -> set[int]:
    """The incidents a batch joins, resolves or acknowledges alerts of, or fires again after."""
    ids = {found[0] for found in placing.joins.values() if found is not None}
    ids |= {row.incident_id for _, row in out.resolved + out.acknowledged if row.incident_id}
    ids |= {group.previous[0] for group in again.values() if group.previous is not None}
    return ids


def _ping_watchdogs(
    session: Session, clock: Clock, cfg: IntakeConfig, integration: str, batch: Batch
) -> None:
    """Every delivery of a firing Watchdog alert is a heartbeat ping."""
    from warroom.heartbeats import service as heartbeats

    pinged = {
        cfg.watchdogs[a.labels["alertname"]]
        for a in batch.alerts
        if a.status == FIRING and a.labels.get("alertname") in cfg.watchdogs
    }
    for name in sorted(pinged):
        heartbeats.ping_if_configured(session, clock, name, actor=f"intake:{integration}")
