"""Runbooks as configured, runs (a runbook pinned on an incident), step states, runbook links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

TODO, DONE, SKIPPED, BLOCKED = "todo", "done", "skipped", "blocked"
STATES = (TODO, DONE, SKIPPED, BLOCKED)


class Runbook(Base):
    """A runbook from the config's `runbooks` section (the current version)."""

    __tablename__ = "runbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(32))
    # The parsed runbook (warroom.runbooks.document.RunbookDoc as JSON).
    document: Mapped[dict[str, Any]]
    # Services whose config lists this runbook (services[].runbooks).
    named_by_services: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class RunbookRun(Base):
    """A runbook attached to an incident, pinned to the version it started with."""

    __tablename__ = "runbook_runs"
    __table_args__ = (UniqueConstraint("incident_id", "runbook_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    runbook_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(32))
    document: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(String(32))  # route, service, match, manual
    attached_by: Mapped[str] = mapped_column(String(320))
    attached_at: Mapped[datetime]


class StepState(Base):
    """The state of one step of a run; a step without a row is `todo`."""

    __tablename__ = "runbook_step_states"
    __table_args__ = (UniqueConstraint("run_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runbook_runs.id"), index=True)
    step: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default=TODO)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str | None] = mapped_column(String(320))
    changed_at: Mapped[datetime | None]
    # [{"by", "at", "text"}, ...]
    notes: Mapped[list[Any]]


class RunbookLink(Base):
    """A runbook URL an alert carried (its `runbook_url` annotation), kept on the incident."""

    __tablename__ = "runbook_links"
    __table_args__ = (UniqueConstraint("incident_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    alert_id: Mapped[int | None]
    added_at: Mapped[datetime]
