"""Timeline events, hash-chained per incident; events without an incident form chain 0."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

GLOBAL_CHAIN = 0


class TimelineEvent(Base):
    __tablename__ = "timeline_events"
    __table_args__ = (
        # One position per chain; also the keyset index for reading a timeline page.
        UniqueConstraint("chain", "seq"),
        Index("ix_timeline_events_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The incident's id, or GLOBAL_CHAIN for events that belong to no incident.
    chain: Mapped[int]
    seq: Mapped[int]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(120))
    actor: Mapped[str] = mapped_column(String(320))
    occurred_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Not part of the hash: starring is itself recorded as an event.
    starred: Mapped[bool] = mapped_column(default=False)


class ChainHead(Base):
    """The head of a chain that has no incident row to keep it (the global chain)."""

    __tablename__ = "timeline_chain_heads"

    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
