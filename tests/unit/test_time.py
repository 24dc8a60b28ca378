"""Times are stored in UTC and shown in the reader's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from warroom.auth.models import User
from warroom.cli.output import fmt_time
from warroom.clock import FakeClock
from warroom.db import Database


def test_aware_times_round_trip_as_utc(db: Database) -> None:
    tokyo = timezone(timedelta(hours=9))
    created = datetime(2026, 3, 29, 10, 30, tzinfo=tokyo)
    with db.session() as session:
        session.add(User(email="t@example.com", name="T", role="viewer", created_at=created))
    with db.session() as session:
        user = session.scalar(select(User))
        assert user is not None
        assert user.created_at == created
        assert user.created_at.tzinfo == UTC
        assert user.created_at.hour == 1
        if db.dialect == "sqlite":  # stored as the UTC wall time, not the local one
            raw = session.execute(text("SELECT created_at FROM users")).scalar_one()
            assert str(raw).startswith("2026-03-29 01:30")


def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"), db.session() as session:
        session.add(
            User(email="n@example.com", name="N", role="viewer", created_at=datetime(2026, 1, 1))
        )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", "2026-07-01 12:00:00 UTC"),
        ("Europe/Berlin", "2026-07-01 14:00:00 CEST"),
        ("America/New_York", "2026-07-01 08:00:00 EDT"),
        ("Asia/Kolkata", "2026-07-01 17:30:00 IST"),
    ],
)
def test_cli_shows_times_in_the_readers_zone(
    monkeypatch: pytest.MonkeyPatch, zone: str, expected: str
) -> None:
    monkeypatch.setenv("WARROOM_TZ", zone)
    assert fmt_time("2026-07-01T12:00:00Z") == expected


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now()
    clock.advance(minutes=5)
    assert clock.now() == datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
