"""New alerts of a batch: each routed, what suppresses it (silence, maintenance window,
Watchdog) or else its routing group, the open incident each group joins, all inserted in one
batched statement; the groups still to place (`grouping.place`, called by `service.ingest`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from warroom.intake import dedup, grouping
from warroom.intake.models import FIRING, RESOLVED
from warroom.intake.routing import Decision, group_key
from warroom.intake.schemas import Batch, NormalisedAlert
from warroom.intake.state import IntakeConfig
from warroom.intake.suppression import suppressed_by
from warroom.redaction import scrub_payload

STORED = "warroom.intake.annotations"  # session.info: id -> annotations, of rows stored now


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


@dataclass
class Placing:
    """The routing groups of a batch's new alerts to place, and the open incident each joins
    (None: it may open one)."""

    groups: dict[str, grouping.Group] = field(default_factory=dict)
    joins: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    created: int = 0  # alerts inserted
    lost_race: int = 0  # new here, inserted by a concurrent request first: repeats
    suppressed: int = 0
    alert_ids: list[int] = field(default_factory=list)  # of the alerts inserted, in batch order


def store_new(
    session: Session,
    cfg: IntakeConfig,
    integration: str,
    batch: Batch,
    new: list[NormalisedAlert],
    silences: list[Any],
    now: datetime,
) -> Placing:
    """Route and insert new alerts; the groups still to place, and what was stored."""
    if not new:
        return Placing()
    rows, plans = [], {}
    for alert in new:
        decision, row = _plan(cfg, integration, batch, alert, silences, now)
        rows.append(row)
        plans[alert.fingerprint] = (alert, decision, row)
    joins = _join_open_incidents(session, rows)
    inserted = insert_new(session, rows)
    session.info.setdefault(STORED, {}).update(
        (row_id, plans[fp][2]["annotations"]) for fp, row_id in inserted.items()
    )
    lost_race = [fp for fp in plans if fp not in inserted]
    dedup.bump_fingerprints(session, integration, lost_race, now)
    placing = Placing(created=len(inserted), lost_race=len(lost_race))
    placing.alert_ids = [
        inserted[row["fingerprint"]] for row in rows if row["fingerprint"] in inserted
    ]
    for fp, row_id in inserted.items():
        alert, decision, row = plans[fp]
        if row["suppressed_by"]:
            placing.suppressed += 1
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


_INSERTS: dict[str, Any] = {}


def _insert_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, fingerprint; built once per dialect."""
    stmt = _INSERTS.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        stmt = _INSERTS[dialect] = (
            insert(dedup.ALERTS)
            .on_conflict_do_nothing(
                index_elements=["integration", "fingerprint"],
                index_where=text("resolved_at IS NULL"),
            )
            .returning(dedup.C.id, dedup.C.fingerprint)
        )
    return stmt


def insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new alerts; returns fingerprint -> id of those actually inserted.

    One compiled statement, executed as "insertmanyvalues" batches; an open alert that a
    concurrent request inserted first is skipped by ON CONFLICT on the partial unique index.
    Rows go in fingerprint order: two requests inserting the same new fingerprints in
    opposite orders would otherwise each wait on an index entry the other holds (deadlock).
    """
    if not rows:
        return {}
    stmt = _insert_statement(session.get_bind().dialect.name)
    ordered = sorted(rows, key=lambda row: str(row["fingerprint"]))
    result = session.connection().execute(stmt, ordered)
    return {row.fingerprint: row.id for row in result}
