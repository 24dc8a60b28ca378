"""Rotations and time restrictions: pure functions on aware datetimes.

Daily and weekly shifts hand off at a wall-clock time in the rotation's time zone (09:00 in
Berlin stays 09:00 across the March and October changes, so those shifts last 23 or 25 hours).
Hourly and custom shifts are fixed elapsed durations: a 12-hour shift is always 12 real hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHIFT_KINDS = ("hourly", "daily", "weekly", "custom")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time; a time skipped by DST maps forward (fold=0)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Rotation:
    """Participants in order, taking turns in shifts of `length` units from `start`."""

    participants: tuple[str, ...]
    start: datetime
    shift: str = "weekly"
    length: int = 1
    time_zone: str = "UTC"
    # The wall-clock hand-off of daily and weekly shifts when `start` does not show it: a
    # rotation that starts at 02:30 on the night 02:30 is skipped starts at 03:30, and still
    # hands off at 02:30 on every other day. None: the wall-clock time of `start`.
    handoff: time | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("rotation start must be timezone-aware")
        if self.shift not in SHIFT_KINDS:
            raise ValueError(f"shift must be one of {', '.join(SHIFT_KINDS)}")
        if self.length < 1:
            raise ValueError("shift length must be at least 1")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def _calendar(self) -> bool:
        return self.shift in ("daily", "weekly")

    @property
    def _unit_days(self) -> int:
        return self.length * (7 if self.shift == "weekly" else 1)

    @property
    def _period(self) -> timedelta:
        return (
            timedelta(hours=self.length)
            if self.shift == "hourly"
            else timedelta(seconds=self.length)
        )

    def shift_start(self, k: int) -> datetime:
        """When shift number k begins (shift 0 begins at `start`)."""
        if self._calendar:
            local = self.start.astimezone(self.tz)
            day = local.date() + timedelta(days=k * self._unit_days)
            at = self.handoff if self.handoff is not None else local.time()
            return local_instant(day, at.replace(tzinfo=None), self.tz)
        return self.start.astimezone(UTC) + k * self._period

    def shift_index(self, when: datetime) -> int | None:
        """The number of the shift running at `when`, or None before the rotation starts."""
        if when < self.start:
            return None
        if self._calendar:
            local_start = self.start.astimezone(self.tz).date()
            days = (when.astimezone(self.tz).date() - local_start).days
            k = days // self._unit_days
            while self.shift_start(k) > when:
                k -= 1
            while self.shift_start(k + 1) <= when:
                k += 1
            return k
        return int((when - self.start) // self._period)

    def on_call(self, when: datetime) -> str | None:
        """Who this rotation puts on call at `when`."""
        k = self.shift_index(when)
        if k is None or not self.participants:
            return None
        return self.participants[k % len(self.participants)]

    def boundaries(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """Hand-off instants in (after, until]."""
        k = self.shift_index(after)
        k = -1 if k is None else k
        while True:
            k += 1
            at = self.shift_start(k)
            if at > until:
                return
            if at > after:
                yield at


@dataclass(frozen=True)
class Restriction:
    """A recurring window (e.g. business hours) on some weekdays; end <= start crosses midnight."""

    days: frozenset[int]
    start: time
    end: time

    def contains(self, local: datetime) -> bool:
        day, at = local.weekday(), local.time().replace(tzinfo=None)
        if self.start < self.end:
            return day in self.days and self.start <= at < self.end
        return (day in self.days and at >= self.start) or (
            (day - 1) % 7 in self.days and at < self.end
        )

    def edges(self, after: datetime, until: datetime, tz: ZoneInfo) -> Iterator[datetime]:
        """Instants in (after, until] where this window may open or close.

        `contains` reads the wall clock, so a clock change moves an edge: a window ending at
        02:30 closes as 02:00 jumps to 03:00, and one open at 02:00-02:30 opens again when
        that half hour comes twice. Both readings of a boundary and the clock changes
        themselves are given; the schedule keeps only the points where the answer changes.
        """
        day = after.astimezone(tz).date() - timedelta(days=1)
        last = until.astimezone(tz).date()
        while day <= last:
            points = list(_clock_changes(day, tz))
            if day.weekday() in self.days:
                end_day = day if self.start < self.end else day + timedelta(days=1)
                for on, at in ((day, self.start), (end_day, self.end)):
                    points += [local_instant(on, at, tz), _later_reading(on, at, tz)]
            yield from sorted({at for at in points if after < at <= until})
            day += timedelta(days=1)


def _later_reading(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The second of a wall-clock time that comes twice (fold=1); the same instant otherwise."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=1).astimezone(UTC)


def _clock_changes(day: date, tz: ZoneInfo) -> Iterator[datetime]:
    """The instant (to the minute) where the zone's offset changes during this local day."""
    low = local_instant(day, time(0), tz)
    high = local_instant(day + timedelta(days=1), time(0), tz)
    if low.astimezone(tz).utcoffset() == high.astimezone(tz).utcoffset():
        return
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
            low = middle
        else:
            high = middle
    yield high.replace(second=0, microsecond=0)


def parse_restriction(days: list[str], start: str, end: str) -> Restriction:
    """Restriction from config words: days ["mon".."fri"], start "09:00", end "17:00"."""
    numbers = set()
    for word in days:
        key = word.strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f"unknown weekday {word!r}")
        numbers.add(WEEKDAYS.index(key))
    return Restriction(frozenset(numbers), parse_time(start), parse_time(end))


def parse_time(text: str) -> time:
    """'09:00' -> time(9, 0); '24:00' is not allowed, use '00:00'."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"time must be HH:MM, got {text!r}") from exc
