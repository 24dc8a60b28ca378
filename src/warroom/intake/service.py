"""Intake logic: store a parsed batch (dedup, routing, suppression, grouping), list alerts,
explain routing; silences are managed in `silences.py` and re-exported here. Nothing here
commits or calls out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.intake import alert_incidents, dedup, grouping, refire, storm
from warroom.intake.models import FIRING, RESOLVED, Alert
from warroom.intake.routing import Decision, MatcherError, group_key, parse_matcher
from warroom.intake.schemas import Batch, NormalisedAlert
from warroom.intake.silences import DEFAULT_SILENCE as DEFAULT_SILENCE
from warroom.intake.silences import active_silences
from warroom.intake.silences import add_silence as add_silence
from warroom.intake.silences import expire_silence as expire_silence
from warroom.intake.silences import list_silences as list_silences
from warroom.intake.silences import silence_state as silence_state
from warroom.intake.state import IntakeConfig
from warroom.intake.suppression import suppressed_by
from warroom.redaction import scrub_payload


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


def _row(integration: str, a: NormalisedAlert, d: Decision, now: datetime) -> dict[str, Any]:
    resolved = a.status == RESOLVED
    return {
        "integration": integration,
        "fingerprint": a.fingerprint,
        "status": RESOLVED if resolved else FIRING,
        "labels": a.labels,
        "annotations": a.annotations,
        "summary": a.summary,
        "severity_hint": (a.severity_hint or "")[:64] or None,
        "starts_at": a.starts_at or now,
        "ends_at": (a.ends_at or now) if resolved else None,
        "links": a.links,
        "raw": scrub_payload(a.raw),  # a sender's credentials are never stored
        "first_seen_at": now,
        "last_seen_at": now,
        "resolved_at": now if resolved else None,
        "acknowledged_at": None,
        "count": 1,
        "route": d.route,
        "service": d.service,
        "severity": d.severity,
        "group_key": None,
        "incident_id": None,
        "incident_number": None,
        "suppressed_by": None,
    }


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
    placing = _store_new(session, cfg, integration, batch, out.new, result, silences, now)
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
    event.listen(session, "after_commit", lambda _s: result.count(integration), once=True)
    return result


def _take_turns(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    integration: str,
    source: str,
    placing: Placing,
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
    placing: Placing,
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
    out: dedup.Outcome, placing: Placing, again: dict[str, grouping.Group]
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


@dataclass
class Placing:
    """The routing groups of a batch's new alerts to place, and the open incident each joins
    (None: it may open one)."""

    groups: dict[str, grouping.Group] = field(default_factory=dict)
    joins: dict[str, tuple[int, int] | None] = field(default_factory=dict)


def _store_new(
    session: Session,
    cfg: IntakeConfig,
    integration: str,
    batch: Batch,
    new: list[NormalisedAlert],
    result: IngestResult,
    silences: list[Any],
    now: datetime,
) -> Placing:
    """Route and insert new alerts; the groups still to place."""
    if not new:
        return Placing()
    rows, plans = [], {}
    for alert in new:
        decision, row = _plan(cfg, integration, batch, alert, silences, now)
        rows.append(row)
        plans[alert.fingerprint] = (alert, decision, row)
    joins = _join_open_incidents(session, rows)
    inserted = dedup.insert_new(session, rows)
    session.info.setdefault(_STORED, {}).update(
        (row_id, plans[fp][2]["annotations"]) for fp, row_id in inserted.items()
    )
    lost_race = [fp for fp in plans if fp not in inserted]
    dedup.bump_fingerprints(session, integration, lost_race, now)
    result.created, result.repeated = len(inserted), result.repeated + len(lost_race)
    result.alert_ids = [
        inserted[row["fingerprint"]] for row in rows if row["fingerprint"] in inserted
    ]
    placing = Placing()
    for fp, row_id in inserted.items():
        alert, decision, row = plans[fp]
        if row["suppressed_by"]:
            result.suppressed += 1
        elif row["group_key"]:
            key = row["group_key"]
            group = placing.groups.setdefault(key, grouping.Group(key, decision))
            group.alerts.append((alert, row_id))
            placing.joins[key] = joins[key]
    return placing


def _plan(
    cfg: IntakeConfig,
    integration: str,
    batch: Batch,
    alert: NormalisedAlert,
    silences: list[Any],
    now: datetime,
) -> tuple[Decision, dict[str, Any]]:
    """A new alert's route and the row to insert: what suppresses it, or its group."""
    alert.labels = cfg.router.with_integration_service(integration, alert.labels)
    decision = cfg.router.decide(integration, alert.labels, alert.severity_hint)
    row = _row(integration, alert, decision, now)
    seen = alert.labels
    if decision.service and "service" not in seen:
        seen = {**seen, "service": decision.service}
    row["suppressed_by"] = suppressed_by(decision.service, seen, now, silences, cfg.windows)
    watchdog = cfg.watchdogs.get(alert.labels.get("alertname", ""))
    if watchdog is not None:
        row["suppressed_by"] = f"heartbeat:{watchdog}"
    opens = decision.open_incident and not batch.test and alert.status == FIRING
    if row["suppressed_by"] is None and opens:
        row["group_key"] = group_key(decision, alert.labels, alert.fingerprint)[:1024]
    if batch.drill and alert.status == FIRING:  # joins its drill incident, whatever routes say
        row["suppressed_by"], row["group_key"] = None, batch.drill
    return decision, row


def _join_open_incidents(
    session: Session, rows: list[dict[str, Any]]
) -> dict[str, tuple[int, int] | None]:
    """The open incident each routing group of these rows joins, read once per group; rows
    of a group that joins one are inserted already linked to it (place() links no more)."""
    keys = sorted({row["group_key"] for row in rows if row["group_key"]})
    joins = {key: grouping.open_incident_of(session, key) for key in keys}
    for row in rows:
        found = joins.get(row["group_key"]) if row["group_key"] else None
        if found is not None:
            row["incident_id"], row["incident_number"] = found
    return joins


# ---- reading ------------------------------------------------------------------------------


def list_alerts(
    session: Session,
    *,
    status: str | None = None,
    integration: str | None = None,
    service: str | None = None,
    incident_id: int | None = None,
    suppressed: bool | None = None,
    fingerprint: str | None = None,
    label: list[str] | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[Alert]:
    """Alerts newest first, filtered; label filters are matchers (service="x")."""
    if not 1 <= limit <= 1000:
        raise Invalid("limit must be between 1 and 1000", field="limit")
    query = select(Alert)
    if status == "open":
        query = query.where(Alert.resolved_at.is_(None))
    elif status in ("firing", "resolved"):
        query = query.where(Alert.status == status)
    elif status is not None:
        raise Invalid("status must be open, firing or resolved", field="status")
    for column, value in (
        (Alert.integration, integration),
        (Alert.service, service),
        (Alert.incident_id, incident_id),
        (Alert.fingerprint, fingerprint),
    ):
        if value is not None:
            query = query.where(column == value)
    if suppressed is not None:
        cond = Alert.suppressed_by.is_not(None) if suppressed else Alert.suppressed_by.is_(None)
        query = query.where(cond)
    if before_id is not None:
        query = query.where(Alert.id < before_id)
    matchers = []
    for text in label or []:
        try:
            matchers.append(parse_matcher(text))
        except MatcherError as exc:
            raise Invalid(str(exc), field="label") from None
    query = query.order_by(Alert.id.desc())
    if not matchers:
        return list(session.scalars(query.limit(limit)))
    out: list[Alert] = []
    for alert in session.scalars(query.limit(limit * 20)):
        if all(m.matches(alert.labels) for m in matchers):
            out.append(alert)
            if len(out) == limit:
                break
    return out


def get_alert(session: Session, alert_id: int) -> Alert:
    """One alert by id, or NotFound."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}", field="alert_id")
    return alert


_ANNOTATIONS = select(Alert.__table__.c.id, Alert.__table__.c.annotations).where(
    Alert.__table__.c.id.in_(bindparam("ids", expanding=True))
)


_STORED = "warroom.intake.annotations"  # session.info: id -> annotations, of rows stored now


def annotations_of(session: Session, alert_ids: list[int]) -> dict[int, dict[str, Any]]:
    """alert id -> its annotations, for these alerts (those this session just inserted from
    memory, the others with one light query, no Alert objects)."""
    stored: dict[int, dict[str, Any]] = session.info.get(_STORED, {})
    found = {i: dict(stored[i]) for i in alert_ids if i in stored}
    missing = sorted(set(alert_ids) - set(found))
    if missing:
        rows = session.connection().execute(_ANNOTATIONS, {"ids": missing})
        found.update((int(r.id), dict(r.annotations or {})) for r in rows)
    return found


def fingerprint_of(session: Session, integration: str, alert_id: str) -> str | None:
    """The fingerprint of an alert given by its warroom id (Opsgenie identifierType=id)."""
    if not alert_id.isdigit():
        return None
    return session.scalar(
        select(Alert.fingerprint).where(Alert.id == int(alert_id), Alert.integration == integration)
    )


def explain_route(
    session: Session, clock: Clock, cfg: IntakeConfig, labels: dict[str, str], integration: str = ""
) -> dict[str, Any]:
    """Which route(s) an alert with these labels takes, and whether it would be suppressed."""
    decision = cfg.router.decide(integration, labels, labels.get("severity"))
    now = clock.now()
    seen = {**labels}
    if decision.service and "service" not in seen:
        seen["service"] = decision.service
    why = suppressed_by(decision.service, seen, now, active_silences(session, now), cfg.windows)
    return {
        **decision.to_json(),
        "suppressed_by": why,
        "group_key": group_key(decision, labels, "-"),
    }
