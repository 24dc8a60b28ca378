"""A postmortem per incident, and the reviews (approvals) it collected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

DRAFT = "draft"
IN_REVIEW = "in_review"
PUBLISHED = "published"
STATES = (DRAFT, IN_REVIEW, PUBLISHED)


class Postmortem(Base):
    """One incident's postmortem. `markdown` stays NULL until someone saves a version: until
    then the draft is generated from the incident each time it is read."""

    __tablename__ = "postmortems"
    __table_args__ = (Index("ix_postmortems_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="RESTRICT"), unique=True
    )
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    author: Mapped[str | None] = mapped_column(String(320))
    due_at: Mapped[datetime | None]
    markdown: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency: a save names the version it started from.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(320))
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(320))
    overdue_since: Mapped[datetime | None]
    # Bumped whenever the due time is planned again: older reminder jobs do nothing.
    generation: Mapped[int] = mapped_column(default=1)


class PostmortemReview(Base):
    """A reviewer's approval of the postmortem in review; a return to draft ends them."""

    __tablename__ = "postmortem_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), index=True
    )
    reviewer: Mapped[str] = mapped_column(String(320))
    approved_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    # Set when the postmortem went back to draft after this approval (kept as history).
    withdrawn_at: Mapped[datetime | None]
