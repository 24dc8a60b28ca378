"""Action item tables: the items themselves and the issue-tracker webhook they may be sent to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

OPEN = "open"
IN_PROGRESS = "in_progress"
DONE = "done"
WONT_DO = "wont_do"
STATUSES = (OPEN, IN_PROGRESS, DONE, WONT_DO)
# Statuses in which an item still asks for work (and can be reminded of or be overdue).
ACTIVE = (OPEN, IN_PROGRESS)

# Export states: queued for the engine, taken by the tracker, or given up after the retries.
EXPORT_QUEUED = "queued"
EXPORT_RETRYING = "retrying"
EXPORT_SENT = "sent"
EXPORT_FAILED = "failed"


class ActionItem(Base):
    """One follow-up of an incident: who does what by when, and how much it matters."""

    __tablename__ = "review_action_items"
    __table_args__ = (Index("ix_review_action_items_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    # The incident's postmortem when there was one at creation (no foreign key: that table
    # belongs to the postmortems part of the review).
    postmortem_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The owner's e-mail when assigned, so lists and postmortems need no join to show it.
    owner: Mapped[str] = mapped_column(String(320))
    impact: Mapped[str] = mapped_column(String(8))
    effort: Mapped[str] = mapped_column(String(8))
    priority: Mapped[str] = mapped_column(String(16))
    horizon: Mapped[str] = mapped_column(String(64))
    # None: no due date (a backlog item given none).
    due_at: Mapped[datetime | None]
    # Whether a person set the due date (or its absence); False while it is the matrix cell's
    # default, which follows the item when its impact or effort changes.
    due_given: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    # Bumped whenever the due date or status changes: reminder and overdue jobs carry the
    # generation they were planned under, so a stale one does nothing.
    generation: Mapped[int] = mapped_column(default=1)
    reminded_at: Mapped[datetime | None]
    overdue_since: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    export_state: Mapped[str | None] = mapped_column(String(16))
    export_attempts: Mapped[int] = mapped_column(default=0)
    export_status_code: Mapped[int | None]
    export_ref: Mapped[str | None] = mapped_column(String(300))
    export_url: Mapped[str | None] = mapped_column(Text)
    export_error: Mapped[str | None] = mapped_column(Text)
    exported_at: Mapped[datetime | None]


class TrackerWebhook(Base):
    """The issue tracker's webhook from the `action_items` config section (one row at most).

    The URL is a secret: the stored config document keeps only its masked form, so the engine
    reads the real one from here."""

    __tablename__ = "review_action_item_trackers"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
