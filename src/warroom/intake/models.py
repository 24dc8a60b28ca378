"""Intake tables: normalised alerts, runtime silences, integrations and the routing state.

Routes, maintenance windows and inhibition live in the applied config document (read through
`warroom.config.service.current_document`); integrations get a table because their secrets are
kept only as hashes and must be looked up by hash on every request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

FIRING = "firing"
RESOLVED = "resolved"


class Alert(Base):
    """One normalised alert; at most one open (unresolved) alert per (integration, fingerprint)."""

    __tablename__ = "alerts"
    __table_args__ = (
        # The dedup guarantee: concurrent writers conflict here instead of duplicating.
        Index(
            "uq_alerts_open_fingerprint",
            "integration",
            "fingerprint",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_alerts_integration_fingerprint", "integration", "fingerprint", "starts_at"),
        Index("ix_alerts_incident", "incident_id"),
        Index("ix_alerts_group_key", "group_key", "id"),
        Index("ix_alerts_last_seen", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    # Alertmanager fingerprint, PagerDuty dedup_key, Opsgenie alias, or a hash of the labels.
    fingerprint: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, Any]]
    annotations: Mapped[dict[str, Any]]
    summary: Mapped[str] = mapped_column(Text, default="")
    severity_hint: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    links: Mapped[list[Any]]
    raw: Mapped[dict[str, Any]]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    count: Mapped[int] = mapped_column(default=1)
    route: Mapped[str | None] = mapped_column(String(64))
    service: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str | None] = mapped_column(String(32))
    group_key: Mapped[str | None] = mapped_column(String(1024))
    # Set when the alert joined or opened an incident (the incidents domain owns that table).
    incident_id: Mapped[int | None]
    incident_number: Mapped[int | None]
    # "silence:<id>" or "maintenance:<service>/<window>" when stored but kept from paging.
    suppressed_by: Mapped[str | None] = mapped_column(String(200))


class Silence(Base):
    """A runtime silence: alerts matching every matcher between start and end are suppressed."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    # ['service="checkout"', 'alertname=~"Disk.*"'] in Alertmanager syntax.
    matchers: Mapped[list[Any]]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    author: Mapped[str] = mapped_column(String(320))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    expired_at: Mapped[datetime | None]


class Integration(Base):
    """An inbound integration declared in config; the secret is kept only as a hash."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    secret_hash: Mapped[str] = mapped_column(String(64), index=True)
    # Grafana signs the body with HMAC-SHA256; verifying needs the shared secret itself.
    hmac_secret: Mapped[str | None] = mapped_column(String(512))
    hmac_header: Mapped[str | None] = mapped_column(String(100))
    timestamp_header: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class StormState(Base):
    """Per integration: when its counting of opened incidents starts, and its storm.

    The row is locked by every request of the integration that places new alert groups, so
    concurrent senders count opens correctly (see `warroom.intake.storm`).
    """

    __tablename__ = "intake_storms"

    integration: Mapped[str] = mapped_column(String(64), primary_key=True)
    # When counting last started afresh (the last storm's end): incidents opened before do
    # not count. The window slides: the opens themselves are read from the incidents table.
    window_started_at: Mapped[datetime | None]
    # Incidents opened within the window that ended at the last count (informative).
    opened_in_window: Mapped[int] = mapped_column(default=0)
    # The storm in progress, if any: its incident and when it last absorbed a group.
    incident_id: Mapped[int | None]
    incident_number: Mapped[int | None]
    started_at: Mapped[datetime | None]
    last_folded_at: Mapped[datetime | None]
    folded_groups: Mapped[int] = mapped_column(default=0)
    folded_alerts: Mapped[int] = mapped_column(default=0)
