"""Web UI sign-in: password check with rate limits, and server-side sessions.

A session's cookie holds 256 random bits; the table keeps only their SHA-256 (like API
tokens). A session ends on logout, after `session_idle_seconds` without a request, at the
latest `session_max_seconds` after sign-in, and at once when its person is deactivated (checked
on every request). A session never authenticates the JSON API: that takes a Bearer token.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from warroom.auth.models import LoginFailure, User, WebSession
from warroom.auth.passwords import hash_password, needs_rehash, verify_password
from warroom.auth.service import hash_token
from warroom.clock import Clock
from warroom.db import take_turns
from warroom.errors import Unauthorized, WarroomError
from warroom.principal import Principal

GENERIC_FAILURE = "wrong e-mail or password"
# last_seen_at is written at most this often, so that reading a page rarely writes.
TOUCH_EVERY = timedelta(seconds=60)


# An account is refused to everyone after this many times failures_per_account within the
# window, from any mix of addresses (see _keys).
ACCOUNT_WIDE_FACTOR = 10


@dataclass(frozen=True)
class SessionLimits:
    idle_seconds: float = 8 * 3600.0
    max_seconds: float = 7 * 86400.0
    failures_per_account: int = 5
    failures_per_address: int = 20
    window_seconds: float = 900.0

    @property
    def failures_per_account_overall(self) -> int:
        return self.failures_per_account * ACCOUNT_WIDE_FACTOR


class TooManyAttempts(WarroomError):
    status_code = 429
    code = "rate_limited"


def start_session(session: Session, clock: Clock, user: User) -> str:
    """Open a session for user; returns the cookie value (never stored)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        WebSession(user_id=user.id, token_hash=hash_token(token), created_at=now, last_seen_at=now)
    )
    session.flush()
    return token


def session_principal(
    session: Session, clock: Clock, token: str, limits: SessionLimits
) -> Principal | None:
    """The person signed in with this cookie value, or None (unknown, ended, expired, inactive)."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(token)))
    if row is None or row.ended_at is not None:
        return None
    now = clock.now()
    expired = now - row.last_seen_at > timedelta(seconds=limits.idle_seconds) or (
        now - row.created_at > timedelta(seconds=limits.max_seconds)
    )
    if expired or not row.user.active:
        row.ended_at = now
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Principal(user_id=row.user.id, email=row.user.email, role=row.user.role)


def end_session(session: Session, clock: Clock, token: str) -> None:
    """Log out: the session's cookie value stops working."""
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == hash_token(token), WebSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )


def end_sessions_of(session: Session, clock: Clock, user_id: int) -> int:
    """End every open session of a person (deactivation, password change); returns how many."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _client_of(address: str) -> str:
    """The address a limit counts: an IPv6 client by its /64 (one host is handed a whole /64,
    so counting single addresses would give it billions of guesses)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _keys(email: str, address: str | None) -> list[tuple[str, str]]:
    """The counters an attempt adds to, each with its own limit (SessionLimits):

    - `account`: this account from this client address. Guessing one account's password
      from one place stops here, while the person signs in from anywhere else: five wrong
      guesses from a stranger no longer lock them out for the window.
    - `overall`: this account from every address, a cap ACCOUNT_WIDE_FACTOR times higher, so
      that guessing spread over many addresses is still bounded. Whoever controls that many
      addresses can still refuse the account to everyone for a window: the price of it.
    - `address`: this client, whatever accounts it tries (guessing one password on many).
    Without an address (no client) the account's counter is the account's overall one.
    """
    account = f"email:{email.strip().lower()}"
    if not address:
        return [("account", account)]
    client = _client_of(address)
    return [
        ("overall", account),
        ("account", f"from:{client}|{account}"),
        ("address", f"ip:{client}"),
    ]


_REFUSAL = {
    "account": "too many failed sign-ins to this account from this address",
    "overall": "too many failed sign-ins to this account",
    "address": "too many failed sign-ins from this address",
}


def _check_limits(
    session: Session, clock: Clock, email: str, address: str | None, limits: SessionLimits
) -> None:
    since = clock.now() - timedelta(seconds=limits.window_seconds)
    caps = {
        "account": limits.failures_per_account,
        "overall": limits.failures_per_account_overall,
        "address": limits.failures_per_address,
    }
    for kind, key in _keys(email, address):
        count = session.scalar(
            select(func.count()).where(LoginFailure.key == key, LoginFailure.at > since)
        )
        if (count or 0) >= caps[kind]:
            minutes = max(1, round(limits.window_seconds / 60))
            raise TooManyAttempts(
                f"{_REFUSAL[kind]}; try again in {minutes} minutes", field="email"
            )


def count_attempt(
    session: Session,
    clock: Clock,
    *,
    email: str,
    address: str | None,
    limits: SessionLimits,
) -> list[int]:
    """Count a sign-in attempt against its account and client address before its password is
    checked; returns the ids of the rows that count it (a failure unless sign_in succeeds).

    Raises TooManyAttempts when one of its counters (_keys) is at its limit (even with the
    right password). Attempts on one key are checked and counted in turns, and the caller
    commits at once: a burst of guesses sent together gets no more password checks than the
    limit (each used to read "under the limit" before any of them had failed).
    """
    keys = _keys(email, address)
    for _, key in keys:  # always in _keys' order: every attempt takes them in one order
        take_turns(session, f"sign-in:{key}")
    _check_limits(session, clock, email, address, limits)
    rows = [LoginFailure(key=key, at=clock.now()) for _, key in keys]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def sign_in(
    session: Session,
    clock: Clock,
    *,
    email: str,
    password: str,
    attempt: list[int],
    limits: SessionLimits,
) -> tuple[User, str]:
    """Check the password of an attempt counted by count_attempt (and committed); returns the
    user and a new session's cookie value.

    Raises Unauthorized with the same message whether or not the account exists; the attempt
    then stays counted as a failure. On success this attempt and the account's failures from
    this address are forgotten; those from elsewhere still count towards its overall limit
    (the person signing in says nothing of the guesses made elsewhere).
    """
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None else None
    if not verify_password(stored, password) or user is None or not user.active:
        raise Unauthorized(GENERIC_FAILURE, field="email")
    if stored is not None and needs_rehash(stored):
        user.password_hash = hash_password(password)
    counted = set(session.scalars(select(LoginFailure.key).where(LoginFailure.id.in_(attempt))))
    # The attempt's `account` counter (_keys): per address when it had one, else the account's.
    here = [k for k in counted if k.startswith("from:")] or [
        k for k in counted if k.startswith("email:")
    ]
    session.execute(
        delete(LoginFailure).where(or_(LoginFailure.key.in_(here), LoginFailure.id.in_(attempt)))
    )
    prune(session, clock, limits)  # sign-ins are rare enough to carry the clean-up
    return user, start_session(session, clock, user)


def set_password(session: Session, clock: Clock, user: User, password: str) -> None:
    """Set a person's password; their other sessions end."""
    user.password_hash = hash_password(password)
    end_sessions_of(session, clock, user.id)


def prune(session: Session, clock: Clock, limits: SessionLimits) -> None:
    """Delete old failures and sessions that can no longer be used."""
    now = clock.now()
    session.execute(
        delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=limits.window_seconds))
    )
    session.execute(
        delete(WebSession).where(
            WebSession.created_at < now - timedelta(seconds=limits.max_seconds)
        )
    )


def require_session(
    session: Session, clock: Clock, token: str | None, limits: SessionLimits
) -> Principal:
    """Like session_principal, raising Unauthorized instead of returning None."""
    principal = session_principal(session, clock, token, limits) if token else None
    if principal is None:
        raise Unauthorized("not signed in")
    return principal
