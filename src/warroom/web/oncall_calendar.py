"""The on-call calendar grid: shifts cut into the days of a week or a month, in a time zone.

Pure functions over the paging domain's shifts. A shift that crosses midnight appears in each
day it covers, marked as continuing, so every cell of the grid reads on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.paging.schedules import Shift

VIEWS = ("week", "month")


@dataclass(frozen=True)
class Segment:
    """The part of one shift that falls in one day, in local time."""

    start: datetime
    end: datetime
    user: str | None
    override_id: int | None
    continued: bool  # began the day before
    continues: bool  # goes on into the next day
    to_midnight: bool  # ends when the day ends (shown as 24:00)


@dataclass(frozen=True)
class Row:
    """One line of a schedule's grid: the final answer, or one layer alone."""

    label: str
    kind: str  # "final" or "layer"
    cells: list[list[Segment]]


@dataclass(frozen=True)
class Window:
    """The days a calendar view shows, and the instants that bound them."""

    view: str
    anchor: date
    days: list[date]
    start: datetime  # UTC
    end: datetime  # UTC
    previous: date
    following: date


def zone_of(name: str | None) -> ZoneInfo:
    """A person's time zone; an unknown or empty name falls back to UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day starts (a day never starts inside a DST gap here)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def window(view: str, anchor: date, tz: ZoneInfo) -> Window:
    """Week: Monday to Sunday around `anchor`; month: the whole weeks covering its month."""
    if view == "month":
        first = anchor.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        begin = first - timedelta(days=first.weekday())
        last = next_month - timedelta(days=1)
        finish = last + timedelta(days=6 - last.weekday())
        previous = (first - timedelta(days=1)).replace(day=1)
        following = next_month
    else:
        view = "week"
        begin = anchor - timedelta(days=anchor.weekday())
        finish = begin + timedelta(days=6)
        previous, following = begin - timedelta(days=7), begin + timedelta(days=7)
    days = [begin + timedelta(days=i) for i in range((finish - begin).days + 1)]
    return Window(
        view,
        anchor,
        days,
        local_midnight(days[0], tz),
        local_midnight(days[-1] + timedelta(days=1), tz),
        previous,
        following,
    )


def cells(shifts: list[Shift], days: list[date], tz: ZoneInfo) -> list[list[Segment]]:
    """For each day, the pieces of the shifts that fall in it (nobody-on-call pieces too)."""
    out: list[list[Segment]] = []
    for day in days:
        day_start = local_midnight(day, tz)
        day_end = local_midnight(day + timedelta(days=1), tz)
        pieces = []
        for shift in shifts:
            if shift.end <= day_start or shift.start >= day_end:
                continue
            pieces.append(
                Segment(
                    start=max(shift.start, day_start).astimezone(tz),
                    end=min(shift.end, day_end).astimezone(tz),
                    user=shift.user,
                    override_id=shift.override_id,
                    continued=shift.start < day_start,
                    continues=shift.end > day_end,
                    to_midnight=shift.end >= day_end,
                )
            )
        out.append(pieces)
    return out


def weeks(days: list[date]) -> list[list[int]]:
    """Indexes of `days` grouped by week (seven at a time), for the month grid."""
    return [list(range(i, min(i + 7, len(days)))) for i in range(0, len(days), 7)]


# Calendar days a URL may ask for: a window around a day at the very ends of Python's dates
# (0001-01-01, 9999-12-31) would reach past them (its previous week, its next month).
FIRST_ANCHOR, LAST_ANCHOR = date(1900, 1, 1), date(9000, 12, 31)


def parse_anchor(text: str | None, today: date) -> date:
    """The `start=YYYY-MM-DD` of a calendar URL; anything else (or a day before 1900 or after
    9000) means today."""
    if text:
        try:
            anchor = date.fromisoformat(text.strip())
        except ValueError:
            return today
        return anchor if FIRST_ANCHOR <= anchor <= LAST_ANCHOR else today
    return today


class SkippedTime(ValueError):
    """A wall-clock time the person's zone skips (the hour the clocks go forward)."""


def parse_local(text: str, tz: ZoneInfo) -> datetime:
    """A form's date and time (`2026-03-01T09:00`, as <input type=datetime-local> sends it),
    read in the person's time zone unless it carries an offset; ValueError when unreadable,
    SkippedTime (a ValueError naming the gap) for a time the clocks skip there, which would
    otherwise be moved silently. A time that happens twice is its first pass."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        return value
    local = value.replace(tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise SkippedTime(
            f"{value:%Y-%m-%d %H:%M} does not exist in {tz} (the clocks skip from "
            f"{_gap(local)} that day); choose a time outside it"
        )
    return local


def _gap(local: datetime) -> str:
    """'01:00 to 02:00': the wall-clock span its zone skips around `local`, a time inside it
    (fold 0 reads it at the offset before the change, fold 1 at the one after)."""
    early = local.replace(fold=1).astimezone(UTC)  # the change lies between these instants
    late = local.replace(fold=0).astimezone(UTC)
    before = local.replace(fold=0).utcoffset()
    assert local.tzinfo is not None and before is not None
    change = early
    while change < late and change.astimezone(local.tzinfo).utcoffset() == before:
        change += timedelta(minutes=1)
    start = (change + before).replace(tzinfo=None)
    end = change.astimezone(local.tzinfo).replace(tzinfo=None)
    return f"{start:%H:%M} to {end:%H:%M}"
