"""The notification outbox: one row per message to one contact (an Apprise URL).

States: queued -> sending -> sent, or back to queued (a retry is scheduled) and finally failed.
`provider_answer` keeps what the provider (or Apprise) said on the last attempt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
MESSAGE_STATES = (QUEUED, SENDING, SENT, FAILED)


class Message(Base):
    __tablename__ = "notify_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # An Apprise URL (mailto://, json://, ntfy://, ...) or a plain http(s) webhook. It may hold
    # credentials: show it only through `senders.redact`.
    url: Mapped[str] = mapped_column(Text)
    scheme: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Sent as the Idempotency-Key header on webhooks; also makes queue_message idempotent.
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    purpose: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    provider_answer: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None]
    # The page this message belongs to (paging's failover finds the person's next contact
    # method through it) and the contact method's name, shown to responders as the channel.
    page_id: Mapped[int | None] = mapped_column(index=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    # Whether the sent/failed event is on the incident timeline yet.
    recorded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
