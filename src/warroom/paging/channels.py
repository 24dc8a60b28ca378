"""Channels: named places to page that are not people (a chat room, a mailing list, a bridge).

    channels:
      - key: core-incidents
        name: "#core-incidents"
        url: "slack://T000/B000/XXXX"          # any Apprise URL, mailto://, or a webhook
        description: The core team's incident room
      - key: core-list
        email: core@example.com                # or an address, mailed through WARROOM_SMTP_URL

A level or a ladder rung pages a channel with `channel:KEY`: one message to its URL, at once,
recorded on the timeline as `paging:page:queued` with `channel` (not `user`). A channel has no
notification rules and no failover, and its ack link belongs to nobody in particular.
Teams and services list their channels (`teams[].channels`, `services[].channels`).
The URL carries credentials: every answer shows it masked (`warroom.redaction`). A channel
given as `email:` instead is stored as `email:ADDRESS` and mailed through the SMTP server of
the process that sends (`WARROOM_SMTP_URL`, `channel_url`), as a person's e-mail address is.
"""

from __future__ import annotations

import logging
from typing import cast

from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.config.document import ConfigDocument, Plan
from warroom.config.registry import Section
from warroom.config.types import ConfigModel, Key, parse_target
from warroom.db import savepoint
from warroom.errors import Invalid
from warroom.incidents.models import Incident
from warroom.mailto import mail_url
from warroom.paging.models import Channel

log = logging.getLogger("warroom.paging")


EMAIL_PREFIX = "email:"


class ChannelConfig(ConfigModel):
    key: Key
    name: str = Field(default="", max_length=200)
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    email: str | None = Field(default=None, min_length=3, max_length=320)
    description: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        local, at, domain = value.rpartition("@")
        if not at or not local or not domain or "@" in local or any(c.isspace() for c in value):
            raise ValueError(f"{value!r} is not an e-mail address (name@example.com)")
        return value

    @model_validator(mode="after")
    def _one_destination(self) -> ChannelConfig:
        if (self.url is None) == (self.email is None):
            raise ValueError(
                "give the channel exactly one of url (an Apprise URL or a webhook) or email "
                "(an address mailed through WARROOM_SMTP_URL)"
            )
        return self

    @property
    def destination(self) -> str:
        """What is stored in the channel's `url` column: the URL, or `email:ADDRESS`."""
        return self.url if self.url is not None else f"{EMAIL_PREFIX}{self.email}"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from warroom.notify.senders import is_supported
        from warroom.outbound import literal_refusal

        value = value.strip()
        if not is_supported(value):
            raise ValueError("not an Apprise URL (slack://, mailto://, json://...) or a webhook")
        refused = literal_refusal(value)
        if refused is not None:
            raise ValueError(refused)
        return value


def apply_channels(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    """Write the configured channels; removed ones are deactivated (kept for history)."""
    rows = {c.key: c for c in session.scalars(select(Channel))}
    wanted = cast("list[ChannelConfig]", doc.items("channels"))
    for item in wanted:
        values = {
            "name": item.name or item.key,
            "description": item.description,
            "url": item.destination,
            "active": True,
        }
        row = rows.get(item.key)
        old = None if row is None else {k: getattr(row, k) for k in values}
        if plan.compare("channel", item.key, old, values):
            if row is None:
                row = Channel(key=item.key)
                session.add(row)
            for name, value in values.items():
                setattr(row, name, value)
    keep = {c.key for c in wanted}
    for key, row in sorted(rows.items()):
        if row.active and key not in keep:
            row.active = False
            plan.delete("channel", key, "kept for history, deactivated")
    session.flush()


def channel_keys(targets: list[str]) -> list[str]:
    """The keys of the `channel:` targets, each once, in order."""
    keys: list[str] = []
    for target in targets:
        kind, _, name = target.partition(":")
        if kind == "channel" and name and name not in keys:
            keys.append(name)
    return keys


def resolve_channels(session: Session, targets: list[str]) -> list[tuple[str, Channel]]:
    """(target, channel) for each active channel the targets name, each channel once."""
    keys = channel_keys(targets)
    if not keys:
        return []
    rows = {
        c.key: c
        for c in session.scalars(
            select(Channel).where(Channel.key.in_(keys), Channel.active.is_(True))
        )
    }
    return [(f"channel:{key}", rows[key]) for key in keys if key in rows]


def channel_url(channel: Channel, smtp_url: str) -> str:
    """The Apprise URL a channel's messages go to: its URL, or for an `email:` channel its
    address through `smtp_url` (WARROOM_SMTP_URL of the sending process)."""
    if channel.url.startswith(EMAIL_PREFIX):
        return mail_url(smtp_url, channel.url.removeprefix(EMAIL_PREFIX))
    return channel.url


def page_channel(
    session: Session,
    clock: Clock,
    incident: Incident,
    channel: Channel,
    message: tuple[str, str],
    *,
    reason: str,
    actor: str,
    step: str,
    smtp_url: str,
) -> int | None:
    """Queue one page to a channel (idempotent per incident, reason and `step`); its message id."""
    from warroom.notify import service as notify

    title, body = message
    key = f"page:{incident.id}:channel:{channel.key}:{reason}:{step}"
    try:
        with savepoint(session):
            sent = notify.queue_message(
                session,
                clock,
                url=channel_url(channel, smtp_url),
                title=title,
                body=body,
                incident_id=incident.id,
                user_id=None,
                idempotency_key=key[:300],
                purpose=f"page:{reason}",
                channel=f"channel:{channel.key}",
            )
    except Invalid as exc:
        log.warning("page to channel %s refused: %s", channel.key, exc.message)
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="paging:page:unsendable",
            actor=actor,
            payload={"channel": channel.key, "error": exc.message},
        )
        return None
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="paging:page:queued",
        actor=actor,
        payload={
            "channel": channel.key,
            "target": f"channel:{channel.key}",
            "reason": reason,
            "message_id": sent.id,
        },
    )
    return int(sent.id)


def is_channel(target: str) -> bool:
    """Whether a target names a channel."""
    try:
        return parse_target(target)[0] == "channel"
    except ValueError:
        return False


# Registered with paging's other sections (warroom.paging.config.SECTIONS).
SECTION = Section(
    "channels",
    ChannelConfig,
    apply=apply_channels,
    order=25,
    description="Channels: named places to page that are not people (chat, mailing list, "
    "webhook); `channel:KEY` targets, `teams[].channels`, `services[].channels`",
)
