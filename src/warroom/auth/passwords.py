"""Passwords for the web UI: argon2id hashes (argon2-cffi), checked in constant time."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from warroom.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 1024
# argon2-cffi's defaults (RFC 9106 low-memory profile), argon2id.
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the account has no password, so that "no such account" takes as long as
    a miss. Made on first use: hashing costs every process that imports this ~0.3 s of CPU."""
    return _hasher.hash("warroom-no-such-account")


def check_strength(password: str) -> None:
    """Refuse a password that is too short or absurdly long (Invalid, field `password`)."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"the password needs at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise Invalid(f"the password may have at most {MAX_LENGTH} characters", field="password")


def hash_password(password: str) -> str:
    """The argon2id hash of a password that passes check_strength."""
    check_strength(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether password matches the stored hash; always does the work of one verification."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
