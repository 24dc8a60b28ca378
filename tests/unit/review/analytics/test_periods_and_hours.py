"""Windows, buckets, working hours and the report's number formats (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from warroom.clock import FakeClock
from warroom.errors import Invalid
from warroom.review.analytics.config import AnalyticsConfig, parse_hours
from warroom.review.analytics.oncall import offsets
from warroom.review.analytics.periods import default_bucket, parse_when, window
from warroom.review.analytics.report_html import duration, percent

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", NOW - timedelta(days=30)),
        ("12h", NOW - timedelta(hours=12)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T09:30:00Z", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("2026-03-01T10:30:00+01:00", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_when(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, "since") == expected


def test_window_defaults_until_now_and_picks_the_bucket() -> None:
    clock = FakeClock(NOW)
    span = window(clock, "30d")
    assert (span.since, span.until, span.bucket) == (NOW - timedelta(days=30), NOW, "day")
    assert window(clock, "90d").bucket == "week"
    assert window(clock, "365d", bucket="day").bucket == "day"
    assert default_bucket(timedelta(days=184)) == "month"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"since": "0d"}, "since"),
        ({"since": "1d", "until": "2d"}, "until"),
        ({"since": "5000d"}, "since"),  # more than ten years
        ({"since": "1d", "until": "2026-13-01"}, "until"),
        ({"since": "99999999999999d"}, "since"),  # beyond what a date holds
        ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
    ],
)
def test_bad_windows(kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        window(FakeClock(NOW), **kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("09:00-18:00", (540, 1080)), ("07:45-24:00", (465, 1440)), ("08:10-16:50", (490, 1010))],
)
def test_hours(text: str, minutes: tuple[int, int]) -> None:
    assert parse_hours(text) == minutes


@pytest.mark.parametrize("text", ["9-17", "18:00-09:00", "09:00-09:00", "09:00-25:00", "x"])
def test_bad_hours(text: str) -> None:
    with pytest.raises(ValueError, match="is not hours like 09:00-18:00"):
        parse_hours(text)


def test_config_defaults_and_checks() -> None:
    hours = AnalyticsConfig().hours()
    assert hours.text == "09:00-18:00"
    assert hours.covers(0, 9 * 60) and not hours.covers(0, 18 * 60)
    assert not hours.covers(5, 12 * 60)  # Saturday
    weekend = AnalyticsConfig(working_days=["sat", "sun"], working_hours="10:00-14:00").hours()
    assert weekend.covers(6, 13 * 60) and not weekend.covers(0, 13 * 60)
    with pytest.raises(ValidationError, match="unknown day"):
        AnalyticsConfig(working_days=["monday"])
    with pytest.raises(ValidationError, match="twice"):
        AnalyticsConfig(working_days=["mon", "mon"])
    with pytest.raises(ValidationError):
        AnalyticsConfig.model_validate({"working_hours": "09:00-18:00", "timezone": "UTC"})


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0, "0s"), (59.6, "1m"), (975, "16m 15s"), (5400, "1h 30m"), (90061, "1d 1h")],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_percent() -> None:
    assert (percent(None), percent(0.6667), percent(1.0)) == ("-", "67%", "100%")


def test_offsets_across_daylight_saving_changes() -> None:
    march = datetime(2026, 3, 1, tzinfo=UTC)
    april = datetime(2026, 4, 1, tzinfo=UTC)
    change = int(datetime(2026, 3, 29, 1, 0, tzinfo=UTC).timestamp())  # 02:00 CET -> 03:00 CEST
    assert offsets("Europe/Berlin", march, april) == [
        (change, 3600),
        (int(april.timestamp()) + 1, 7200),
    ]
    year = offsets(
        "America/New_York", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert [offset for _, offset in year] == [-18000, -14400, -18000]
    assert year[0][0] == int(datetime(2026, 3, 8, 7, 0, tzinfo=UTC).timestamp())
    assert offsets("Asia/Kolkata", march, april) == [(int(april.timestamp()) + 1, 19800)]
    assert offsets("Not/A_Zone", march, april) == [(int(april.timestamp()) + 1, 0)]
