"""A drill: one practice incident, how it was started and how far its scenario has run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base


class Drill(Base):
    __tablename__ = "drills"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The intake group of the drill's synthetic alerts ("drill:<hex>"), also the incident's
    # dedup_group: only the drill's own alerts ever join its incident.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    # The config schedule that started it ("" when started by hand).
    schedule: Mapped[str] = mapped_column(String(64), default="")
    # One start per schedule and due time: a job run twice (or a restart) starts nothing twice.
    occurrence: Mapped[str | None] = mapped_column(String(200), unique=True)
    severity: Mapped[str] = mapped_column(String(32))
    service: Mapped[str | None] = mapped_column(String(64))
    participants: Mapped[list[Any]] = mapped_column(default=list)
    # The parsed scenario ({"name": ..., "steps": [...]}, offsets in seconds); {} without one.
    scenario: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Indexes of the scenario steps already played.
    steps_done: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime]
    started_by: Mapped[str] = mapped_column(String(320))
