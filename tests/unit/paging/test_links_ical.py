"""Signed action links and the iCalendar writer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.paging import ical
from warroom.paging.links import LinkError, make_token, verify_token

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_link_round_trip() -> None:
    token = make_token("s3cret", purpose="ack", incident_number=7, user_id=3, now=NOW)
    claims = verify_token("s3cret", token, now=NOW + timedelta(hours=23))
    assert (claims.purpose, claims.incident_number, claims.user_id) == ("ack", 7, 3)


@pytest.mark.parametrize(
    ("mutate", "secret", "later", "message"),
    [
        (lambda t: t, "s3cret", timedelta(hours=24), "expired"),
        (lambda t: t, "other", timedelta(0), "not valid"),
        (
            lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
            "s3cret",
            timedelta(0),
            "not valid",
        ),
        (lambda t: "x" + t, "s3cret", timedelta(0), "not valid"),
        (lambda t: t.split(".")[0], "s3cret", timedelta(0), "not valid"),
        (lambda t: "", "s3cret", timedelta(0), "not valid"),
    ],
)
def test_link_rejects(mutate, secret: str, later: timedelta, message: str) -> None:  # type: ignore[no-untyped-def]
    token = make_token("s3cret", purpose="resolve", incident_number=7, user_id=None, now=NOW)
    with pytest.raises(LinkError, match=message):
        verify_token(secret, mutate(token), now=NOW + later)


def test_link_needs_known_purpose_and_secret() -> None:
    with pytest.raises(ValueError):
        make_token("s", purpose="delete", incident_number=1, user_id=None, now=NOW)
    with pytest.raises(ValueError):
        make_token("", purpose="ack", incident_number=1, user_id=None, now=NOW)


def test_ical_escapes_and_folds() -> None:
    text = ical.calendar(
        "Primary; on-call, Berlin",
        [
            ical.Event(
                datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
                datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
                "On call: Ana Müller, primary",
                "line one\nline two; with \\ backslash " + "ü" * 60,
                "primary",
            )
        ],
        now=NOW,
    )
    assert text.endswith("\r\n")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lines
    assert "X-WR-CALNAME:Primary\\; on-call\\, Berlin" in lines
    assert "DTSTART:20260328T080000Z" in lines
    assert "DTEND:20260329T070000Z" in lines
    assert "SUMMARY:On call: Ana Müller\\, primary" in lines
    for line in lines:
        assert len(line.encode()) <= 75
        line.encode().decode()  # no split UTF-8 character
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:line one\\nline two\\; with \\\\ backslash " + "ü" * 60 in unfolded


def test_ical_uid_is_stable() -> None:
    event = ical.Event(NOW, NOW + timedelta(hours=1), "x", uid_seed="s")
    first = ical.calendar("c", [event], now=NOW)
    second = ical.calendar("c", [event], now=NOW + timedelta(days=1))
    uid = [line for line in first.split("\r\n") if line.startswith("UID:")]
    assert uid and uid[0] in second
