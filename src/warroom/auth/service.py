"""Users and API tokens: creation, hashing, authentication, role checks."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth.models import ApiToken, User
from warroom.clock import Clock
from warroom.errors import Forbidden, NotFound
from warroom.principal import Principal, role_rank

TOKEN_PREFIX = "wr_"
# Changes of who is an active admin take this turn (warroom.db.take_turns): the admin page
# (auth.admin) and config apply count the remaining admins only once it is theirs.
PEOPLE_TURN = "auth:people"


def hash_token(plaintext: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash cannot be brute-forced.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def get_user_by_email(session: Session, email: str) -> User:
    """The user with this e-mail address, or NotFound."""
    user = session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise NotFound(f"no user with email {email!r}", field="email")
    return user


def ensure_user(
    session: Session, clock: Clock, *, email: str, name: str, role: str, time_zone: str = "UTC"
) -> User:
    """Return the user with this e-mail, creating it if needed."""
    role_rank(role)
    user = session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        user = User(
            email=email.lower(), name=name, role=role, time_zone=time_zone, created_at=clock.now()
        )
        session.add(user)
        session.flush()
    return user


def create_token(
    session: Session,
    clock: Clock,
    user: User,
    *,
    name: str,
    role: str | None = None,
    parent_id: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for user; returns the row and the plaintext, which is never stored.
    parent_id: the token that mints it (revoked with it)."""
    if not user.active:  # it would never authenticate
        raise Forbidden(f"{user.email} is deactivated", field="user_email")
    role = role or user.role
    if role_rank(role) > role_rank(user.role):
        raise Forbidden(
            f"a token cannot have more rights ({role}) than its user ({user.role})", field="role"
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=plaintext[:10],
        role=role,
        token_hash=hash_token(plaintext),
        created_at=clock.now(),
        parent_id=parent_id,
    )
    session.add(token)
    session.flush()
    return token, plaintext


def authenticate(session: Session, clock: Clock, plaintext: str) -> Principal | None:
    """The principal behind a token, or None if the token is unknown, revoked or inactive."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = clock.now()
    # Recording use at minute granularity keeps hot paths (intake) from writing on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    effective = min(token.role, token.user.role, key=role_rank)
    return Principal(
        user_id=token.user.id, email=token.user.email, role=effective, token_id=token.id
    )


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """Tokens of one user, newest first."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


def mint_token(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    name: str,
    role: str | None,
    user_email: str | None,
) -> tuple[ApiToken, str]:
    """Mint a token on behalf of the caller; never wider than the caller's own token."""
    email = (user_email or principal.email).strip().lower()
    if email != principal.email and not principal.allows("admin"):
        raise Forbidden("only admin tokens may create tokens for other users", field="user_email")
    user = get_user_by_email(session, email)
    if not user.active:
        raise Forbidden(f"{user.email} is deactivated", field="user_email")
    role = role or min(principal.role, user.role, key=role_rank)
    if not principal.allows(role):
        raise Forbidden(
            f"your token has {principal.role}; it cannot mint a {role} token", field="role"
        )
    token, plaintext = create_token(
        session, clock, user, name=name, role=role, parent_id=principal.token_id
    )
    # Whoever holds a token acts as its user: one minted for someone else must say who made it.
    _record(session, clock, principal, "auth:token:created", token, role=role)
    return token, plaintext


def _record(
    session: Session, clock: Clock, principal: Principal, kind: str, token: ApiToken, **more: Any
) -> None:
    """A token made or revoked over the API or the admin page: a global audit event by the
    caller, naming the token's user."""
    record_token_event(session, clock, principal.actor, kind, token, **more)


def record_token_event(
    session: Session, clock: Clock, actor: str, kind: str, token: ApiToken, **more: Any
) -> None:
    """A global audit event (auth:token:created or :revoked) by `actor`, naming the token's
    user; the local CLI names the account that ran it, having no token to name."""
    payload = {"user": token.user.email, "token_id": token.id, "name": token.name, **more}
    timeline.record(session, clock, incident_id=None, kind=kind, actor=actor, payload=payload)


def revoke_token(session: Session, clock: Clock, principal: Principal, token_id: int) -> ApiToken:
    """Revoke a token: your own up to your token's scope (or the token itself); admins any."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != principal.user_id and not principal.allows("admin")):
        raise NotFound(f"no token {token_id}", field="token_id")
    if token.id != principal.token_id and not principal.allows(token.role):
        raise Forbidden(
            f"your token has {principal.role}; it cannot revoke a {token.role} token",
            field="token_id",
        )
    revoked = revoke_tokens(session, clock, [token.id])
    _record(session, clock, principal, "auth:token:revoked", token, revoked=revoked)
    return token


def revoke_tokens(session: Session, clock: Clock, token_ids: list[int]) -> int:
    """Revoke these tokens and every token they minted, and those minted, down the line;
    returns how many were revoked now. A token revoked before keeps its revoked_at (when it
    stopped working), but what it minted is still revoked."""
    now, revoked, seen = clock.now(), 0, set(token_ids)
    ids = list(seen)
    while ids:
        result = session.execute(
            update(ApiToken)
            .where(ApiToken.id.in_(ids), ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        revoked += int(getattr(result, "rowcount", 0) or 0)
        children = session.scalars(select(ApiToken.id).where(ApiToken.parent_id.in_(ids)))
        ids = [i for i in children if i not in seen]
        seen.update(ids)
    return revoked


def list_users(session: Session) -> list[User]:
    """Every user, by e-mail."""
    return list(session.scalars(select(User).order_by(User.email)))
