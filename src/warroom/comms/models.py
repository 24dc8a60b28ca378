"""Status updates and the update cadence of each incident's two audiences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

INTERNAL = "internal"
EXTERNAL = "external"
AUDIENCES = (INTERNAL, EXTERNAL)
STATES = ("investigating", "identified", "monitoring", "resolved")


class StatusUpdate(Base):
    """One status update: internal text for responders, optional public text for the page."""

    __tablename__ = "comms_status_updates"
    __table_args__ = (Index("ix_comms_status_updates_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    internal_text: Mapped[str] = mapped_column(Text)
    public_text: Mapped[str | None] = mapped_column(Text)
    next_update_at: Mapped[datetime | None]
    author: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    # Whether this update came before the due time of the audiences it served.
    on_time: Mapped[bool] = mapped_column(default=True)
    # Whom the internal text reached: e-mails of people and `channel:KEY` (empty: nobody).
    reached: Mapped[list[Any]] = mapped_column(default=list)


class UpdateCadence(Base):
    """When the next update for one audience of an incident is due, and how it went so far."""

    __tablename__ = "comms_cadence"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    audience: Mapped[str] = mapped_column(String(10), primary_key=True)
    due_at: Mapped[datetime | None]
    # Moves on each re-plan: a job of an older generation finds nothing to do.
    generation: Mapped[int] = mapped_column(default=0)
    overdue_since: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    updates: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
