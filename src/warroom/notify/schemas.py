"""Notification API shapes: a target is shown by scheme and host only, to everyone (its path
and query may be the secret, an e-mail's names its recipient: see `warroom.redaction.mask_url`),
and a provider's answer with its URLs shown alike and its e-mail addresses by domain."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from warroom.notify.models import Message
from warroom.redaction import mask_answer, mask_url


class MessageOut(BaseModel):
    id: int
    target: str
    scheme: str
    title: str
    incident_id: int | None
    user_id: int | None
    purpose: str
    state: str
    attempts: int
    provider_answer: str | None
    page_id: int | None = None
    channel: str | None = None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            target=mask_url(message.url),
            scheme=message.scheme,
            title=message.title,
            incident_id=message.incident_id,
            user_id=message.user_id,
            purpose=message.purpose,
            state=message.state,
            attempts=message.attempts,
            provider_answer=shown_answer(message.provider_answer),
            page_id=message.page_id,
            channel=message.channel,
            created_at=message.created_at,
            sent_at=message.sent_at,
        )


def shown_answer(answer: str | None) -> str | None:
    """A message's provider answer as shown (also those stored before answers were masked)."""
    return None if answer is None else mask_answer(answer)


class MessageText(MessageOut):
    """A message as its recipient reads it (the outbox): the listing fields, title and body."""

    body: str

    @classmethod
    def of_text(cls, message: Message) -> MessageText:
        return cls(**MessageOut.of(message).model_dump(), body=message.body)


class PageDelivery(BaseModel):
    """One message of a page as responders see it: who, through what, and what happened."""

    message_id: int
    page_id: int | None
    person: str | None
    channel: str
    target: str
    purpose: str
    state: str
    attempts: int
    provider_answer: str | None
    updated_at: datetime
