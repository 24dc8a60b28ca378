"""When a scheduled drill is due: `every: weekly | monthly | quarterly | yearly`, on `day` of
the period (a weekday 1-7 from Monday for weekly, else a day of the month 1-28), in `month`
(yearly only, 1-12), at `at` (HH:MM, UTC). Quarters start in January, April, July, October.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PERIODS = ("weekly", "monthly", "quarterly", "yearly")
_MONTHS = {"monthly": tuple(range(1, 13)), "quarterly": (1, 4, 7, 10)}


@dataclass(frozen=True)
class Rule:
    every: str
    day: int = 1
    month: int = 1
    hour: int = 10
    minute: int = 0


def parse_at(value: str) -> tuple[int, int]:
    """ "HH:MM" (24 h, UTC) as (hour, minute); ValueError otherwise."""
    hour, sep, minute = value.partition(":")
    if not sep or not (hour.isdigit() and minute.isdigit()) or len(minute) != 2:
        raise ValueError(f"{value!r} is not a time of day HH:MM (UTC)")
    h, m = int(hour), int(minute)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"{value!r} is not a time of day HH:MM (UTC)")
    return h, m


def _candidates(rule: Rule, year: int) -> list[datetime]:
    def at(month: int, day: int) -> datetime:
        return datetime(year, month, day, rule.hour, rule.minute, tzinfo=UTC)

    if rule.every == "yearly":
        return [at(rule.month, rule.day)]
    return [at(month, rule.day) for month in _MONTHS[rule.every]]


def next_after(rule: Rule, after: datetime) -> datetime:
    """The first time the rule is due strictly after `after`."""
    after = after.astimezone(UTC)
    if rule.every == "weekly":
        base = after.replace(hour=rule.hour, minute=rule.minute, second=0, microsecond=0)
        due = base + timedelta(days=(rule.day - 1 - base.weekday()) % 7)
        return due if due > after else due + timedelta(days=7)
    for year in (after.year, after.year + 1):
        for due in _candidates(rule, year):
            if due > after:
                return due
    raise ValueError(f"no due time for {rule}")  # unreachable: every rule is due yearly


def occurrence(schedule: str, due: datetime) -> str:
    """The name of one due start of a schedule (unique per drill started)."""
    return f"{schedule}@{due.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"
