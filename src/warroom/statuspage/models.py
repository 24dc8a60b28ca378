"""Status page tables: what is published, component overrides, maintenance, subscribers.

An incident is private to the status page until it is published here; the public record
carries its own public title and affected components, never the incident's internal fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base


class PublishedIncident(Base):
    __tablename__ = "status_incidents"
    # AUTOINCREMENT on SQLite: a public id is never handed out again after an unpublish.
    __table_args__ = (
        Index("ix_status_incidents_published_at", "published_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(300))
    # Component keys (service keys) shown as affected.
    components: Mapped[list[Any]] = mapped_column(default=list)
    # A public first message shown until the first public status update arrives.
    message: Mapped[str] = mapped_column(Text, default="")
    # Kept in step with the incident's status by a subscription, so the page's hot reads
    # (unresolved incidents) never scan the history.
    open: Mapped[bool] = mapped_column(default=True, index=True)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime]


class ComponentOverride(Base):
    """An admin's explicit status of a component; wins over the derived one until cleared."""

    __tablename__ = "status_component_overrides"

    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime]
    set_by: Mapped[str] = mapped_column(String(320))


class Maintenance(Base):
    __tablename__ = "status_maintenances"
    __table_args__ = (
        Index("ix_status_maintenances_scheduled_for", "scheduled_for"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    components: Mapped[list[Any]] = mapped_column(default=list)
    # scheduled -> in_progress -> completed (Statuspage's maintenance statuses).
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    scheduled_for: Mapped[datetime]
    scheduled_until: Mapped[datetime]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime]


class Subscriber(Base):
    __tablename__ = "status_subscribers"
    __table_args__ = (Index("ix_status_subscribers_kind_target", "kind", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # email | webhook
    target: Mapped[str] = mapped_column(String(500))
    # Component keys; empty means every component.
    components: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
