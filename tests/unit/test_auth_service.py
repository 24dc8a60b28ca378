"""Token hashing and role arithmetic."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from warroom.auth import service
from warroom.auth.models import ApiToken
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.errors import Forbidden, Invalid


def test_token_is_stored_hashed_never_in_clear(sqlite_db: Database, clock: FakeClock) -> None:
    with sqlite_db.session() as session:
        user = service.ensure_user(session, clock, email="A@Example.com", name="A", role="admin")
        _, plaintext = service.create_token(session, clock, user, name="t")
    with sqlite_db.session() as session:
        row = session.scalar(select(ApiToken))
        assert row is not None
        assert row.token_hash == service.hash_token(plaintext)
        assert plaintext not in (row.token_hash, row.prefix)
        principal = service.authenticate(session, clock, plaintext)
        assert principal is not None and principal.email == "a@example.com"


def test_token_cannot_exceed_user_role(sqlite_db: Database, clock: FakeClock) -> None:
    with sqlite_db.session() as session:
        user = service.ensure_user(session, clock, email="v@x.io", name="V", role="viewer")
        with pytest.raises(Forbidden):
            service.create_token(session, clock, user, name="t", role="admin")


def test_effective_role_is_the_narrower(sqlite_db: Database, clock: FakeClock) -> None:
    with sqlite_db.session() as session:
        user = service.ensure_user(session, clock, email="a@x.io", name="A", role="admin")
        _, plaintext = service.create_token(session, clock, user, name="t", role="viewer")
        principal = service.authenticate(session, clock, plaintext)
        assert principal is not None and principal.role == "viewer"
        assert principal.allows("viewer") and not principal.allows("responder")


def test_unknown_role_is_invalid() -> None:
    with pytest.raises(Invalid):
        service.role_rank("owner")


def test_no_token_is_made_for_a_deactivated_user(sqlite_db: Database, clock: FakeClock) -> None:
    # It would never authenticate (`warroom token create --user` printed it all the same).
    with sqlite_db.session() as session:
        user = service.ensure_user(session, clock, email="gone@x.io", name="G", role="admin")
        user.active = False
        with pytest.raises(Forbidden) as refused:
            service.create_token(session, clock, user, name="t")
        assert "deactivated" in refused.value.message
        assert session.scalar(select(ApiToken)) is None
