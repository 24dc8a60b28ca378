"""The on-call calendar grid: windows of a week or a month, shifts cut into local days (also
across a daylight-saving change), and the form's local date and time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from warroom.paging.schedules import Shift
from warroom.web import oncall_calendar as cal

BERLIN = ZoneInfo("Europe/Berlin")


def test_week_window_runs_monday_to_sunday_in_the_time_zone() -> None:
    grid = cal.window("week", date(2026, 1, 1), BERLIN)  # a Thursday
    assert grid.days[0] == date(2025, 12, 29) and grid.days[-1] == date(2026, 1, 4)
    assert grid.start == datetime(2025, 12, 28, 23, 0, tzinfo=UTC)  # Berlin midnight
    assert grid.end == datetime(2026, 1, 4, 23, 0, tzinfo=UTC)
    assert (grid.previous, grid.following) == (date(2025, 12, 22), date(2026, 1, 5))


def test_month_window_covers_whole_weeks_of_the_month() -> None:
    grid = cal.window("month", date(2026, 2, 10), ZoneInfo("UTC"))
    assert grid.days[0] == date(2026, 1, 26) and grid.days[-1] == date(2026, 3, 1)
    assert len(grid.days) == 35 and [len(w) for w in cal.weeks(grid.days)] == [7] * 5
    assert (grid.previous, grid.following) == (date(2026, 1, 1), date(2026, 3, 1))
    unknown = cal.window("year", date(2026, 2, 10), ZoneInfo("UTC"))
    assert unknown.view == "week" and len(unknown.days) == 7


def test_a_shift_across_midnight_appears_in_both_days_marked_as_continuing() -> None:
    shift = Shift(
        datetime(2026, 1, 1, 20, 0, tzinfo=UTC), datetime(2026, 1, 2, 8, 0, tzinfo=UTC), "ann"
    )
    first, second = cal.cells([shift], [date(2026, 1, 1), date(2026, 1, 2)], BERLIN)
    [evening] = first
    [morning] = second
    assert (evening.start.hour, evening.end.hour) == (21, 0) and evening.continues
    assert not evening.continued and morning.continued and not morning.continues
    assert (morning.start.hour, morning.end.hour) == (0, 9)


def test_the_short_day_of_a_daylight_saving_change_is_cut_at_its_own_midnights() -> None:
    day = date(2026, 3, 29)  # Berlin springs forward: the day has 23 hours
    shift = Shift(datetime(2026, 3, 28, 0, 0, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC), "bo")
    [[piece]] = cal.cells([shift], [day], BERLIN)
    # (same-zone subtraction is wall-clock time in Python: compare the instants)
    assert piece.end.astimezone(UTC) - piece.start.astimezone(UTC) == timedelta(hours=23)
    assert piece.start.utcoffset() == timedelta(hours=1)
    assert piece.end.utcoffset() == timedelta(hours=2)


def test_shifts_outside_a_day_are_not_in_it() -> None:
    shift = Shift(datetime(2026, 1, 3, tzinfo=UTC), datetime(2026, 1, 4, tzinfo=UTC), "cy")
    assert cal.cells([shift], [date(2026, 1, 1)], ZoneInfo("UTC")) == [[]]


def test_form_times_are_read_in_the_persons_zone_unless_they_carry_an_offset() -> None:
    assert cal.parse_local("2026-03-01T09:00", BERLIN) == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert cal.parse_local("2026-03-01T09:00+00:00", BERLIN).hour == 9
    with pytest.raises(ValueError):
        cal.parse_local("at nine", BERLIN)
    assert cal.parse_anchor("nonsense", date(2026, 1, 1)) == date(2026, 1, 1)
    assert cal.parse_anchor("2026-05-04", date(2026, 1, 1)) == date(2026, 5, 4)
    assert str(cal.zone_of("Not/AZone")) == "UTC"
