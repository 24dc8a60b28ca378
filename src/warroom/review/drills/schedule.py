"""When a scheduled drill is due: `every: weekly | monthly | quarterly | yearly`, on `day` of
the period (a weekday 1-7 from Monday for weekly, else a day of the month 1-28), in `month`
(yearly only, 1-12), at `at` (HH:MM) in `time_zone` (an IANA name, UTC by default), as the
on-call schedules' times are: 10:00 Europe/Berlin is 09:00 UTC in winter and 08:00 in summer.
A time that does not exist that day (skipped by a clock change) is the same wall time on the
offset before the change (02:30 on the last Sunday of March in Berlin is 03:30 CEST).
Quarters start in January, April, July, October.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.config.types import check_time_zone

PERIODS = ("weekly", "monthly", "quarterly", "yearly")
_MONTHS = {"monthly": tuple(range(1, 13)), "quarterly": (1, 4, 7, 10)}


@dataclass(frozen=True)
class Rule:
    every: str
    day: int = 1
    month: int = 1
    hour: int = 10
    minute: int = 0
    time_zone: str = "UTC"


def check_zone(value: str) -> str:
    """An IANA zone name; ValueError naming it otherwise."""
    return check_time_zone(value, "Europe/Berlin")


def parse_at(value: str) -> tuple[int, int]:
    """ "HH:MM" (24 h, in the drill's time_zone) as (hour, minute); ValueError otherwise."""
    hour, sep, minute = value.partition(":")
    if any(mark in value.upper() for mark in ("+", "-", "Z")):
        raise ValueError(
            f"{value!r} is not a time of day HH:MM: give the zone as time_zone "
            "(an IANA name like Europe/Berlin), not in the time"
        )
    if not sep or not (hour.isdigit() and minute.isdigit()) or len(minute) != 2:
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    h, m = int(hour), int(minute)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    return h, m


def _in_utc(local: datetime) -> datetime:
    """A wall time in its zone as UTC; one skipped by a clock change keeps the offset before."""
    return local.astimezone(UTC)


def _candidates(rule: Rule, year: int) -> list[datetime]:
    zone = ZoneInfo(rule.time_zone)

    def at(month: int, day: int) -> datetime:
        return _in_utc(datetime(year, month, day, rule.hour, rule.minute, tzinfo=zone))

    if rule.every == "yearly":
        return [at(rule.month, rule.day)]
    return [at(month, rule.day) for month in _MONTHS[rule.every]]


def next_after(rule: Rule, after: datetime) -> datetime:
    """The first time the rule is due strictly after `after`."""
    after = after.astimezone(UTC)
    if rule.every == "weekly":
        # Wall-clock days in the zone (a week across a clock change is 167 or 169 hours).
        local = after.astimezone(ZoneInfo(rule.time_zone)).replace(tzinfo=None)
        base = local.replace(hour=rule.hour, minute=rule.minute, second=0, microsecond=0)
        base += timedelta(days=(rule.day - 1 - base.weekday()) % 7)
        for days in (0, 7, 14):
            due = _in_utc((base + timedelta(days=days)).replace(tzinfo=ZoneInfo(rule.time_zone)))
            if due > after:
                return due
    for year in (after.year - 1, after.year, after.year + 1):
        for due in _candidates(rule, year):
            if due > after:
                return due
    raise ValueError(f"no due time for {rule}")  # unreachable: every rule is due yearly


def occurrence(schedule: str, due: datetime) -> str:
    """The name of one due start of a schedule (unique per drill started)."""
    return f"{schedule}@{due.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"
