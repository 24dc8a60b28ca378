"""Incidents and what hangs off them: services, roles, hypotheses, tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Identity, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.db import Base


class Counter(Base):
    """Named counters handed out under a row lock (incident numbers on SQLite)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        # Keyset listing: newest first, optionally narrowed by status or severity.
        Index("ix_incidents_status_id", "status", "id"),
        Index("ix_incidents_severity_id", "severity", "id"),
        Index("ix_incidents_opened_at_id", "opened_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # PostgreSQL hands numbers out from the column's identity sequence (no lock held until
    # commit, so openers never queue or deadlock; a rolled-back open leaves a gap). SQLite,
    # whose writers are serialised anyway, takes them from the `counters` row.
    number: Mapped[int] = mapped_column(Identity(), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The Severity.key; kept as text so that a config change never orphans history.
    severity: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="triggered")
    impact: Mapped[dict[str, Any]] = mapped_column(default=dict)
    drill: Mapped[bool] = mapped_column(default=False)
    private: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(64), default="manual")
    dedup_group: Mapped[str | None] = mapped_column(String(200), index=True)
    created_by: Mapped[str] = mapped_column(String(320))

    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(320))
    # When someone started working it (meets respond_within): the first note, status update,
    # mitigation or resolution. Acknowledging alone is not a response.
    responded_at: Mapped[datetime | None]
    mitigated_at: Mapped[datetime | None]
    mitigated_by: Mapped[str | None] = mapped_column(String(320))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(320))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(320))
    reopened_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    # The incident this one follows: its alert fired again after it was resolved by hand.
    previous_number: Mapped[int | None]
    updated_at: Mapped[datetime]
    # Bases of the update cadence: opened_at until a note or a status update is recorded.
    last_internal_update_at: Mapped[datetime]
    last_external_update_at: Mapped[datetime]

    # The head of this incident's timeline hash chain is kept by the audit domain
    # (timeline_chain_heads, keyed by the incident's id): audit.service.chain_head.

    services: Mapped[list[IncidentService]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentService.service_key"
    )

    @property
    def service_keys(self) -> list[str]:
        return [s.service_key for s in self.services]

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"

    def page_url(self, public_url: str) -> str:
        """The web UI's page of this incident (its readers sign in first)."""
        return f"{public_url.rstrip('/')}/ui/incidents/{self.number}"


class IncidentService(Base):
    __tablename__ = "incident_services"
    __table_args__ = (
        UniqueConstraint("incident_id", "service_key"),
        Index("ix_incident_services_service_key_incident_id", "service_key", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    service_key: Mapped[str] = mapped_column(String(64))


class IncidentRole(Base):
    """Who holds which role; ended_at marks a handover or unassignment (history is kept)."""

    __tablename__ = "incident_roles"
    __table_args__ = (Index("ix_incident_roles_user_email", "user_email", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    user_email: Mapped[str] = mapped_column(String(320))
    assigned_at: Mapped[datetime]
    assigned_by: Mapped[str] = mapped_column(String(320))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(320))


class Hypothesis(Base):
    __tablename__ = "hypotheses"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="investigating")
    owner: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime]


class Task(Base):
    __tablename__ = "incident_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(320))
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(320))
