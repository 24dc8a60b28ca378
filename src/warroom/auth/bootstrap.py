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
