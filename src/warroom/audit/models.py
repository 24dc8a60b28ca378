"""Timeline events, hash-chained per incident; events without an incident form chain 0.

Every chain's head (last position and hash) lives here, keyed by chain id, and the birth of
every incident chain is recorded in the anchor register: a chain of its own (ANCHOR_CHAIN)
whose entries name each chain and the hash of its first event, so a chain deleted whole
leaves a dangling anchor behind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

GLOBAL_CHAIN = 0
# The chain id of the anchor register's head in timeline_chain_heads (no events carry it).
ANCHOR_CHAIN = -1


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
    """The head of a chain: the global chain, each incident's, and the anchor register's."""

    __tablename__ = "timeline_chain_heads"

    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")


class ChainAnchor(Base):
    """One entry of the anchor register: chain `chain` began with the event hashed first_hash."""

    __tablename__ = "timeline_chain_anchors"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    chain: Mapped[int] = mapped_column(unique=True)
    first_hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
