"""Heartbeats: a monitored thing must ping within interval + grace, or an incident opens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

WAITING = "waiting"  # configured, never pinged since (re)activation
UP = "up"
DOWN = "down"


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(32))
    service: Mapped[str | None] = mapped_column(String(64))
    interval_s: Mapped[int]
    grace_s: Mapped[int]
    # Resolve the incident a miss opened when pings come back (default: people resolve it).
    auto_resolve: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(16), default=WAITING)
    # The clock starts at activation, so a heartbeat that never pings is missed too.
    watch_from: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    down_since: Mapped[datetime | None]
    incident_id: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
