"""Action definitions (from config, with secrets intact) and action runs (the audit record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

AWAITING_APPROVAL = "awaiting_approval"
QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
TIMED_OUT = "timed_out"
LAPSED = "lapsed"
REFUSED = "refused"
PREVIEWED = "previewed"
INTERRUPTED = "interrupted"
STATES = (
    AWAITING_APPROVAL,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    TIMED_OUT,
    LAPSED,
    REFUSED,
    PREVIEWED,
    INTERRUPTED,
)
# States that count against an action's limits: everything that was or may still be run.
COUNTED = (AWAITING_APPROVAL, QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, INTERRUPTED)


class ActionDefinition(Base):
    """One `actions:` item as applied; the stored config document masks URLs and secrets."""

    __tablename__ = "action_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class ActionRun(Base):
    """One request to run an action on an incident, from request to outcome."""

    __tablename__ = "action_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="RESTRICT"), index=True
    )
    action_key: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # The definition as it was when requested: what was approved is what runs.
    definition: Mapped[dict[str, Any]]
    params: Mapped[dict[str, Any]]
    # The rendered command (argv) or HTTP request (method, url, header names, body).
    rendered: Mapped[dict[str, Any]]
    dry_run: Mapped[bool] = mapped_column(default=False)
    reversible: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    needs_approval: Mapped[bool] = mapped_column(default=False)
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(320))
    approved_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    exit_code: Mapped[int | None]
    duration_ms: Mapped[int | None]
    stdout_sha256: Mapped[str | None] = mapped_column(String(64))
    stderr_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_id: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    # A revert is a run of the undo action pointing at the run it undoes.
    undo_of_id: Mapped[int | None] = mapped_column(ForeignKey("action_runs.id"))
    reverted_at: Mapped[datetime | None]
    reverted_by_run_id: Mapped[int | None]
