"""Paging tables: contact methods, notification rules, schedules, overrides, escalation state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.db import Base


class ContactMethod(Base):
    """A way to reach a person: an e-mail address or any Apprise URL."""

    __tablename__ = "paging_contact_methods"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # "email" (address) or "apprise" (url); kept apart so e-mail can use the server's SMTP.
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    managed: Mapped[bool] = mapped_column(default=True)


class NotificationRule(Base):
    """'After N seconds of a page, notify me by this contact method.'"""

    __tablename__ = "paging_notification_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_method_id: Mapped[int] = mapped_column(
        ForeignKey("paging_contact_methods.id", ondelete="CASCADE")
    )
    after_s: Mapped[int] = mapped_column(default=0)


class UserFeed(Base):
    """The secret token of a person's iCalendar feed."""

    __tablename__ = "paging_user_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)


class Schedule(Base):
    __tablename__ = "paging_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    team_key: Mapped[str | None] = mapped_column(String(64))
    handoff_notify: Mapped[bool] = mapped_column(default=True)
    # Layers as written in config, normalised: [{name, priority, participants, shift, length,
    # start (ISO, aware), time_zone, restrictions: [{days, start, end}], end}].
    layers: Mapped[list[Any]] = mapped_column(default=list)
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Who the last hand-off notification went to; a hand-off job notifies only on change.
    last_on_call: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(default=True)

    overrides: Mapped[list[ScheduleOverride]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="ScheduleOverride.id"
    )


class ScheduleOverride(Base):
    """Someone covers a schedule (or covers one person on it) from start to end."""

    __tablename__ = "paging_schedule_overrides"
    __table_args__ = (Index("ix_paging_schedule_overrides_schedule_end", "schedule_id", "end_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("paging_schedules.id", ondelete="CASCADE"))
    user_email: Mapped[str] = mapped_column(String(320))
    replaces_email: Mapped[str | None] = mapped_column(String(320))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]

    schedule: Mapped[Schedule] = relationship(back_populates="overrides")


class EscalationPolicy(Base):
    __tablename__ = "paging_escalation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    repeat: Mapped[int] = mapped_column(default=0)
    # [{"targets": ["schedule:primary"], "delay_s": 300}, ...]
    levels: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)


class Channel(Base):
    """A named place to page that is not a person: a chat room, a mailing list, a webhook."""

    __tablename__ = "paging_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # An Apprise URL, mailto:// or a webhook: a secret, masked wherever it is shown.
    url: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)


class IncidentEscalation(Base):
    """An incident's paging state: the policy snapshot and the generations that guard timers.

    A job carries the generation it was planned under; acknowledging, resolving, reopening or
    changing severity bumps the generation, so a timer that fires late does nothing.
    """

    __tablename__ = "paging_incident_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    policy_key: Mapped[str | None] = mapped_column(String(64))
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict)
    generation: Mapped[int] = mapped_column(default=1)
    ladder_generation: Mapped[int] = mapped_column(default=1)
    ladder_severity: Mapped[str] = mapped_column(String(32), default="")
    ladder: Mapped[list[Any]] = mapped_column(default=list)
    ladder_fired: Mapped[list[Any]] = mapped_column(default=list)
    level: Mapped[int] = mapped_column(default=0)
    round: Mapped[int] = mapped_column(default=0)
    # "escalating", "acknowledged", "exhausted", "resolved"
    state: Mapped[str] = mapped_column(String(16), default="escalating")
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Page(Base):
    """One person paged for an incident, and why (a level, a ladder rung, a manual escalation)."""

    __tablename__ = "paging_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "escalation" (stops on ack), "unresolved" or "manual" (stop on resolve only)
    reason: Mapped[str] = mapped_column(String(16))
    generation: Mapped[int] = mapped_column(default=0)
    target: Mapped[str] = mapped_column(String(400))
    title: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class LinkUse(Base):
    """A signed action link that has been used (links are single use)."""

    __tablename__ = "paging_link_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    incident_number: Mapped[int]
    user_id: Mapped[int | None]
    used_at: Mapped[datetime]
