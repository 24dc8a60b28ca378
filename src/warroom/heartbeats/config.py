"""The `heartbeats` config section.

heartbeats:
  - name: prometheus-watchdog     # POST /api/v1/heartbeats/prometheus-watchdog
    interval: 1m                  # pings are expected this often
    grace: 2m                     # extra slack before a miss counts
    severity: SEV2
    service: monitoring           # optional
    title: Prometheus/Alertmanager stopped reporting
    auto_resolve: false           # resolve the incident when pings come back
    alertname: Watchdog           # optional: an always-firing alert of this name pings too
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from pydantic import Field, field_validator
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.config.document import ConfigDocument, Plan, Problems
from warroom.config.plan import config_name
from warroom.config.registry import Section
from warroom.config.types import ConfigModel, Duration, Key, format_duration
from warroom.engine import service as engine
from warroom.heartbeats import service
from warroom.heartbeats.models import DOWN, WAITING, Heartbeat
from warroom.redaction import mask_document

# The longest interval, and the longest grace: ten years each.
MAX_PERIOD = timedelta(weeks=520)


class HeartbeatConfig(ConfigModel):
    name: Key
    interval: Duration
    grace: Duration = timedelta(minutes=1)
    severity: str = Field(min_length=1, max_length=32)
    service: str | None = Field(default=None, max_length=64)
    title: str = Field(default="", max_length=300)
    auto_resolve: bool = False
    # An always-firing alert (Alertmanager's `Watchdog`) arriving through intake pings this
    # heartbeat; when the monitoring pipeline dies, the pings stop and the miss opens an incident.
    alertname: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("interval", "grace")
    @classmethod
    def _bounded(cls, value: timedelta) -> timedelta:
        # Stored as whole seconds in an integer column (int4 on PostgreSQL): past the bound a
        # typo (4000w) failed the apply with a database error.
        if value > MAX_PERIOD:
            shown = format_duration(value)
            raise ValueError(f"{shown!r} is too long: at most {format_duration(MAX_PERIOD)}")
        return value


def check(doc: ConfigDocument, problems: Problems) -> None:
    severities = doc.identities("severities")
    services = doc.identities("services")
    watchdogs: dict[str, str] = {}
    for index, item in doc.entries("heartbeats"):
        assert isinstance(item, HeartbeatConfig)
        if item.severity not in severities:
            known = ", ".join(sorted(severities)) or "none defined"
            message = f"unknown severity {item.severity!r} (known: {known})"
            problems.add("heartbeats", index, "severity", message)
        if item.service is not None and item.service not in services:
            problems.add("heartbeats", index, "service", f"unknown service {item.service!r}")
        if item.alertname is not None:
            if item.alertname in watchdogs:
                problems.add(
                    "heartbeats",
                    index,
                    "alertname",
                    f"alertname {item.alertname!r} already pings heartbeat "
                    f"{watchdogs[item.alertname]!r}",
                )
            watchdogs[item.alertname] = item.name


def _values(item: HeartbeatConfig) -> dict[str, object]:
    return {
        "title": item.title or f"Heartbeat {item.name} missed",
        "severity": item.severity,
        "service": item.service,
        "interval_s": int(item.interval.total_seconds()),
        "grace_s": int(item.grace.total_seconds()),
        "auto_resolve": item.auto_resolve,
        "active": True,
    }


def apply(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    now = clock.now()
    rows = {h.name: h for h in service.list_heartbeats(session, include_inactive=True)}
    stored = {i["name"]: i for i in config_service.current_section(session, "heartbeats") or []}
    for item in cast("list[HeartbeatConfig]", doc.items("heartbeats")):
        values = _values(item)
        row = rows.get(item.name)
        old = None if row is None else {k: getattr(row, k) for k in values}
        # The plan also compares the fields kept only in the stored document (`alertname`).
        shown_old = None if old is None else _compared(old, stored.get(item.name, {}))
        shown_new = _compared(values, mask_document(item.model_dump(mode="json")))
        plan.compare("heartbeat", item.name, shown_old, shown_new)
        if old == values:
            continue
        if row is None or not row.active:
            # A new (or re-activated) heartbeat is watched from now on.
            row = row or Heartbeat(name=item.name, created_at=now)
            row.state, row.watch_from, row.last_seen_at = WAITING, now, None
            _keep_open_incident(session, row)
            session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        session.flush()
        service.reschedule_check(session, clock, row)
    keep = doc.identities("heartbeats")
    for name, row in sorted(rows.items()):
        if name not in keep and row.active:
            row.active = False
            row.updated_at = now
            engine.cancel(session, dedup_key=service.check_key(name), clock=clock)
            plan.delete("heartbeat", name)


def _keep_open_incident(session: Session, row: Heartbeat) -> None:
    """A heartbeat re-added while the incident of an earlier miss is still open is down on it
    again: its first ping records the recovery there (and resolves it with `auto_resolve`)."""
    from warroom.incidents import service as incidents

    open_incident = incidents.find_open_by_dedup_group(session, service.dedup_group(row.name))
    if open_incident is None:
        row.incident_id = row.down_since = None
        return
    if row.incident_id != open_incident.id or row.down_since is None:
        row.down_since = open_incident.opened_at
    row.state, row.incident_id = DOWN, open_incident.id


def _compared(values: dict[str, object], item: dict[str, Any]) -> dict[str, object]:
    """The table's `values`, then the fields of the config item the table does not hold."""
    held = {config_name(name) for name in values} | {"name"}
    return values | {k: v for k, v in item.items() if k not in held}


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = []
SECTIONS.append(
    Section(
        "heartbeats",
        HeartbeatConfig,
        identity="name",
        check=check,
        apply=apply,
        order=80,
        description="Dead man's switches: pings expected every interval, else an incident",
    )
)
