"""People who use warroom and the API tokens they authenticate with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.db import Base
from warroom.principal import ROLES

__all__ = ["ROLES", "ApiToken", "Invite", "LoginFailure", "User", "WebSession"]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="responder")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
    # True when the user comes from config files: `config apply` may update or deactivate it.
    managed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # argon2id hash for the web UI; None: the person cannot sign in with a password (yet).
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    # When the person was last deactivated: every credential they held then ended for good
    # (auth.offboard), and a signed page link made before it is void even once they are back.
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The first characters of the token, kept in clear so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A token may be narrower than its user (a viewer token for a dashboard).
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # The token that minted this one over the API (None: the web UI or the CLI did): revoking
    # a token revokes what it minted, so a leaked token leaves no children behind.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True, default=None
    )

    user: Mapped[User] = relationship(back_populates="tokens")


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Invite(Base):
    """A one-time link that lets a person set their password (and signs them in)."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A failed sign-in, counted per account (`email:<address>`) and per client (`ip:<addr>`)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
