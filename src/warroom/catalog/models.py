"""The organisation as configured: severities, teams and services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.db import Base


class Severity(Base):
    """A configured severity level; lower rank is more severe (SEV0 has rank 0)."""

    __tablename__ = "severities"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int]
    definition: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[Any]] = mapped_column(default=list)
    # Targets in seconds; None means "no target".
    ack_within_s: Mapped[int | None]
    respond_within_s: Mapped[int | None]
    resolve_within_s: Mapped[int | None]
    internal_update_every_s: Mapped[int | None]
    external_update_every_s: Mapped[int | None]
    postmortem_required: Mapped[bool] = mapped_column(default=False)
    postmortem_due_s: Mapped[int | None]
    page: Mapped[bool] = mapped_column(default=True)
    # "Escalate while unresolved" ladder: [{"after_s": 1800, "targets": ["user:cto@x"]}, ...]
    unresolved_escalation: Mapped[list[Any]] = mapped_column(default=list)
    # The ack escalation policy of incidents of this severity whose services name none for it.
    escalation_policy: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The schedule whose on-call `oncall:TEAM` means; the team's channel keys.
    schedule_key: Mapped[str | None] = mapped_column(String(64))
    channels: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32), default="member")

    team: Mapped[Team] = relationship(back_populates="members")


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    # Filled by the paging issue; a name, resolved when an incident opens.
    escalation_policy: Mapped[str | None] = mapped_column(String(64))
    # Per severity, winning over `escalation_policy`: {"SEV0": "policy-key", ...}
    escalation_policies: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channels: Mapped[list[Any]] = mapped_column(default=list)
    # When every alert of an incident resolves, resolve the incident too (default: people do).
    auto_resolve: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team | None] = relationship()
