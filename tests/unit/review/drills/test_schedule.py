"""When scheduled drills are due: monthly, quarterly, yearly and weekly rules, strictly after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warroom.review.drills.schedule import Rule, next_after, occurrence, parse_at


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "after", "due"),
    [
        (Rule("monthly"), at(2026, 1, 15, 12), at(2026, 2, 1, 10)),
        (Rule("monthly"), at(2026, 2, 1, 10), at(2026, 3, 1, 10)),  # strictly after
        (Rule("monthly", day=28, hour=9, minute=5), at(2026, 12, 28, 9, 6), at(2027, 1, 28, 9, 5)),
        (Rule("quarterly"), at(2026, 1, 15), at(2026, 4, 1, 10)),
        (Rule("quarterly", day=5), at(2026, 10, 6), at(2027, 1, 5, 10)),
        (Rule("yearly"), at(2026, 1, 1, 9), at(2026, 1, 1, 10)),
        (Rule("yearly", month=6, day=15), at(2026, 7, 1), at(2027, 6, 15, 10)),
        (Rule("weekly", day=1), at(2026, 1, 1, 12), at(2026, 1, 5, 10)),  # a Thursday -> Monday
        (Rule("weekly", day=4), at(2026, 1, 1, 9), at(2026, 1, 1, 10)),  # the same Thursday
    ],
)  # fmt: skip
def test_next_due_time(rule: Rule, after: datetime, due: datetime) -> None:
    assert next_after(rule, after) == due


def test_times_of_day_and_occurrence_names() -> None:
    assert parse_at("07:05") == (7, 5)
    for bad in ("7", "24:00", "10:60", "ten", "10:5"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_at(bad)
    assert occurrence("p2-monthly", at(2026, 2, 1, 10)) == "p2-monthly@2026-02-01T10:00Z"
