"""Durable jobs: one row per piece of deferred work (a page, an escalation timer, a check).

A job is `pending` until a worker claims it (`running`, with `locked_by` and `lease_until`),
then `done`, or back to `pending` with a later `run_at` after a failure, or `failed` once
`max_attempts` is spent. `cancelled` jobs never ran. A worker that dies leaves its jobs
`running` with a lease in the past; any worker takes those over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
STATES = (PENDING, RUNNING, DONE, FAILED, CANCELLED)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # The claim query: due pending jobs, and running jobs whose lease ran out.
        Index("ix_jobs_state_run_at", "state", "run_at"),
        # At most one pending job per dedup key; enqueue of a pending key is a no-op.
        Index(
            "uq_jobs_pending_dedup_key",
            "dedup_key",
            unique=True,
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    run_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=10)
    dedup_key: Mapped[str | None] = mapped_column(String(300))
    incident_id: Mapped[int | None] = mapped_column(index=True)
    # Jobs of one lane share a destination (deliveries: the host they send to); a paused
    # lane's jobs are not claimed until its pause ends (see warroom.engine.lanes).
    lane: Mapped[str | None] = mapped_column(String(200))
    locked_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state} run_at={self.run_at.isoformat()}>"


class LanePause(Base):
    """A lane whose jobs wait: a stalled destination's deliveries stay unclaimed until `until`
    instead of being claimed and postponed one by one (see warroom.engine.lanes)."""

    __tablename__ = "engine_lane_pauses"

    lane: Mapped[str] = mapped_column(String(200), primary_key=True)
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime]
