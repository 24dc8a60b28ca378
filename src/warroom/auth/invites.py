"""One-time invite links: an admin invites a person, who sets a password and is signed in.

The link is PUBLIC_URL/invite/<token>; the token carries 256 random bits and only its SHA-256
is stored. It works once, until it expires, and only while the admin who made it is still an active
admin (they hold the link too); a newer invite for the same person replaces older ones.

Whoever holds a link sets the person's password and is signed in as them, so an invite for
someone who already signs in with a password is a password reset: it is refused unless asked
for as one (`reset`), since the admin who makes it could otherwise take over that account
(another admin's too) unseen. Every invite, and every use of one, is a global audit event
naming the inviter and the person.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth.models import Invite, User
from warroom.auth.passwords import check_strength
from warroom.auth.service import ensure_user, hash_token
from warroom.auth.sessions import set_password, start_session
from warroom.clock import Clock
from warroom.errors import Conflict, Forbidden, Invalid, NotFound
from warroom.principal import Principal, role_rank

INVITE_PATH = "/invite/"
# One @, a dotted domain, and nothing that would change the e-mail URL the link is sent
# through (mailto://…?to=ADDRESS): no spaces, no `&`, `?`, `#`, `=`, `/`, `,` or `;`.
EMAIL = re.compile(r"^[^@\s&?#=/,;\\]+@[^@\s&?#=/,;\\]+\.[^@\s&?#=/,;\\]+$")


def invite_link(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + INVITE_PATH + token


def create_invite(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    email: str,
    name: str | None,
    role: str | None,
    valid_seconds: float,
    reset: bool = False,
) -> tuple[User, Invite, str]:
    """Invite a person (created if new); returns the user, the invite and its token (admin).
    A person who already has a password is invited only with `reset` (a password reset)."""
    if not principal.allows("admin"):
        raise Forbidden("only admins may invite people")
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise Invalid(f"{email!r} is not an e-mail address", field="email")
    if role is not None:
        role_rank(role)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = ensure_user(
            session, clock, email=email, name=name or email.split("@")[0], role=role or "viewer"
        )
    elif not user.active:
        raise Forbidden(f"{email} is deactivated; reactivate them first", field="email")
    elif role is not None and role != user.role:
        raise Conflict(
            f"{email} is already a {user.role}; an invite does not change roles", field="role"
        )
    replaces_password = user.password_hash is not None
    if replaces_password and not reset:
        raise Conflict(
            f"{email} already signs in with a password: whoever holds an invite link sets a new "
            "one and signs in as them. To reset their password on purpose, invite them with "
            "reset (warroom user invite --reset); the audit log names you and them",
            field="email",
        )
    now = clock.now()
    session.execute(
        update(Invite)
        .where(Invite.user_id == user.id, Invite.used_at.is_(None))
        .values(used_at=now)  # an older link stops working
    )
    token = secrets.token_urlsafe(32)
    invite = Invite(
        user_id=user.id,
        token_hash=hash_token(token),
        created_by=principal.email,
        created_at=now,
        expires_at=now + timedelta(seconds=valid_seconds),
    )
    session.add(invite)
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=None,
        kind="auth:invite:created",
        actor=principal.actor,
        payload={"user": user.email, "role": user.role, "password_reset": replaces_password},
    )
    return user, invite, token


def open_invite(session: Session, clock: Clock, token: str) -> Invite:
    """The invite behind a link, if it can still be used; NotFound otherwise (one message)."""
    invite = session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if (
        invite is None
        or invite.used_at is not None
        or invite.expires_at <= clock.now()
        or not invite.user.active
        or not _inviter_still_admin(session, invite)
    ):
        raise NotFound(
            "this invite link is unknown, used or expired; ask an admin for a new one",
            field="token",
        )
    return invite


def _inviter_still_admin(session: Session, invite: Invite) -> bool:
    """Whoever made the link holds it too: it stays good only while they are an active admin."""
    inviter = session.scalar(select(User).where(User.email == invite.created_by))
    return inviter is not None and inviter.active and inviter.role == "admin"


def accept_invite(session: Session, clock: Clock, token: str, password: str) -> tuple[User, str]:
    """Use an invite: set the password, spend the link; returns the user and a session cookie."""
    invite = open_invite(session, clock, token)
    check_strength(password)
    # A conditional update, so that two requests racing with one link cannot both use it.
    spent = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if not getattr(spent, "rowcount", 0):
        raise NotFound("this invite link was just used", field="token")
    replaced = invite.user.password_hash is not None
    set_password(session, clock, invite.user, password)
    timeline.record(
        session,
        clock,
        incident_id=None,
        kind="auth:invite:accepted",
        actor=invite.user.email,
        payload={
            "user": invite.user.email,
            "invited_by": invite.created_by,
            "password_reset": replaced,
        },
    )
    return invite.user, start_session(session, clock, invite.user)


def made_by(session: Session, invite_id: int) -> str | None:
    """The e-mail address of the admin who made this invite (None: no such invite)."""
    return session.scalar(select(Invite.created_by).where(Invite.id == invite_id))
