"""A drill's due times in its time_zone: wall time there across clock changes, a time skipped
by a change on the offset before it, and a year's turn in a zone behind UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.review.drills.schedule import Rule, next_after


def test_weekly_keeps_the_wall_time_across_a_clock_change() -> None:
    rule = Rule("weekly", day=1, hour=10, minute=0, time_zone="Europe/Berlin")
    first = next_after(rule, datetime(2026, 3, 25, tzinfo=UTC))
    assert first == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST
    assert next_after(rule, datetime(2026, 3, 20, tzinfo=UTC)) == datetime(
        2026, 3, 23, 9, 0, tzinfo=UTC
    )  # the Monday before, 10:00 CET
    assert next_after(rule, first) == datetime(2026, 4, 6, 8, 0, tzinfo=UTC)


def test_a_time_skipped_by_the_change_keeps_the_offset_before() -> None:
    rule = Rule("yearly", day=29, month=3, hour=2, minute=30, time_zone="Europe/Berlin")
    assert next_after(rule, datetime(2026, 1, 1, tzinfo=UTC)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )


def test_the_turn_of_the_year_behind_utc() -> None:
    rule = Rule("monthly", day=1, hour=9, minute=0, time_zone="Pacific/Honolulu")
    # 1 January 05:00 UTC is still 31 December 19:00 in Honolulu: due 1 January 09:00 there.
    assert next_after(rule, datetime(2027, 1, 1, 5, 0, tzinfo=UTC)) == datetime(
        2027, 1, 1, 19, 0, tzinfo=UTC
    )
    assert next_after(Rule("monthly"), datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == datetime(
        2027, 1, 1, 10, 0, tzinfo=UTC
    )
