"""First-run bootstrap: make sure some admin can log in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import ApiToken, User
from warroom.auth.service import create_token, ensure_user
from warroom.clock import Clock


def ensure_admin_token(session: Session, clock: Clock, email: str) -> tuple[str, str | None]:
    """Return (admin e-mail, new token) — the token is None when an admin token exists."""
    existing = session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            User.role == "admin",
            User.active.is_(True),
            ApiToken.role == "admin",
            ApiToken.revoked_at.is_(None),
        )
    )
    if existing is not None:
        return existing.email, None
    admin = session.scalar(
        select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id)
    )
    if admin is None:
        admin = ensure_user(session, clock, email=email, name="Administrator", role="admin")
    _, plaintext = create_token(session, clock, admin, name="bootstrap", role="admin")
    return admin.email, plaintext


def ensure_admin_invite(
    session: Session, clock: Clock, email: str, valid_seconds: float
) -> str | None:
    """A new one-time web UI invite token for the admin, or None once they have a password."""
    from warroom.auth.invites import create_invite
    from warroom.principal import Principal

    admin = session.scalar(select(User).where(User.email == email.lower(), User.active.is_(True)))
    if admin is None or admin.password_hash is not None:
        return None
    itself = Principal(user_id=admin.id, email=admin.email, role="admin")
    _, _, token = create_invite(
        session, clock, itself, email=admin.email, name=None, role=None, valid_seconds=valid_seconds
    )
    return token
