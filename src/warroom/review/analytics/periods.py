"""The reporting window and the SQL that measures time on both databases.

A window is `[since, until)`; `since` and `until` are either an age ("30d", "12h", counted back
from now) or an ISO 8601 date or time ("2026-03-01", "2026-03-01T09:00:00Z"). A time without an
offset is read in the zone given (the API's: UTC; the Analytics page's: the reader's own,
users.time_zone, as `warroom report` reads it in WARROOM_TZ). Incidents belong to the window
they were opened in, pages to the one they were sent in.
Period buckets (day, week from Monday, month) are calendar periods in the window's zone (the
reader's: UTC unless the API's `tz` names another), with its clock changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Float, Integer, case, cast, extract, func, literal_column
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warroom.clock import Clock
from warroom.config.types import parse_duration
from warroom.errors import Invalid

BUCKETS = ("day", "week", "month")
# Constants are written into the SQL, not bound: a GROUP BY must repeat the selected expression
# exactly, and PostgreSQL tells two bound parameters apart even when their values are equal.
WHEN_HINT = "an age such as 30d or 12h, or an ISO date or time such as 2026-03-01"


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    bucket: str
    zone: str = "UTC"  # an IANA name: the calendar the periods are counted in


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone of this name (UTC for none); a 422 naming `tz` when there is none such."""
    text = (name or "").strip() or "UTC"
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"tz: {text[:64]!r} is not a time zone (an IANA name such as Europe/Berlin)",
            field="tz",
        ) from None


def parse_when(value: str, now: datetime, field: str, zone: tzinfo = UTC) -> datetime:
    """'30d' (that long before now) or an ISO date/time (in `zone` when it names none)."""
    text = value.strip()
    wrong = Invalid(f"{field}: {value!r} is not {WHEN_HINT}", field=field)
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    except OverflowError:  # an age longer than any calendar holds
        raise wrong from None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        return when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise wrong from None


def window(
    clock: Clock,
    since: str = "30d",
    until: str | None = None,
    bucket: str | None = None,
    zone: tzinfo = UTC,
) -> Window:
    """The window asked for (a time without an offset read in `zone`); a 422 naming the field
    when it is not one."""
    now = clock.now()
    start = parse_when(since, now, "since", zone)
    end = now if until is None or not until.strip() else parse_when(until, now, "until", zone)
    if end <= start:
        raise Invalid(
            f"until ({end.isoformat()}) must be after since ({start.isoformat()})",
            field="until",
        )
    if end - start > timedelta(days=3660):
        raise Invalid("the window may span at most ten years", field="since")
    if bucket is not None and bucket not in BUCKETS:
        raise Invalid(f"bucket must be one of {', '.join(BUCKETS)}", field="bucket")
    name = zone.key if isinstance(zone, ZoneInfo) else "UTC"
    return Window(start, end, bucket or default_bucket(end - start), name)


def default_bucket(span: timedelta) -> str:
    """Days for a month or less, weeks up to half a year, months beyond."""
    if span <= timedelta(days=31):
        return "day"
    return "week" if span <= timedelta(days=183) else "month"


def period_starts(
    since: datetime, until: datetime, bucket: str, most: int = 400, zone: str = "UTC"
) -> list[str]:
    """Every period of [since, until) as `bucket_of` names it (YYYY-MM-DD of its first day in
    `zone`), quiet ones too; none when there would be more than `most` (a chart of them is
    unreadable)."""
    tz = ZoneInfo(zone)
    first = since.astimezone(tz).date()
    last = (until - timedelta(microseconds=1)).astimezone(tz).date()
    if bucket == "week":
        first -= timedelta(days=first.weekday())
    elif bucket == "month":
        first = first.replace(day=1)
    starts: list[str] = []
    day = first
    while day <= last:
        if len(starts) == most:
            return []
        starts.append(day.isoformat())
        if bucket == "day":
            day += timedelta(days=1)
        elif bucket == "week":
            day += timedelta(days=7)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def seconds_between(name: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    """later - earlier in seconds (NULL when either is NULL)."""
    if name == "postgresql":
        return extract("epoch", later - earlier)
    # SQLite keeps times as text, 'YYYY-MM-DD HH:MM:SS.ffffff'. julianday's day fractions are
    # off by tens of microseconds (900 s came out 900.0000268 s, a target met on time missed),
    # so whole seconds and the fraction are subtracted apart: exact, as on PostgreSQL.
    whole = sqlite_epoch(later) - sqlite_epoch(earlier)
    return whole + (_fraction(later) - _fraction(earlier))


def sqlite_epoch(column: Any) -> ColumnElement[Any]:
    """Whole seconds since 1970 of a SQLite time (the fraction cut off first: strftime would
    round it to milliseconds, 08:59:59.9996 up to 09:00:00)."""
    return cast(func.strftime(_sql("'%s'"), func.substr(column, _sql("1"), _sql("19"))), Integer)


def _fraction(column: Any) -> ColumnElement[Any]:
    return cast(func.substr(column, _sql("20")), Float)  # '.123456' (or '', 0.0)


def bucket_of(name: str, column: Any, window: Window) -> ColumnElement[Any]:
    """The first day of the day/week/month of column in the window's zone, as text
    YYYY-MM-DD."""
    bucket = window.bucket
    # The zone's name is written into the SQL (see above); zone_named made sure it is one.
    zone = ZoneInfo(window.zone).key.replace("'", "")
    if name == "postgresql":
        start = func.date_trunc(_sql(f"'{bucket}'"), func.timezone(_sql(f"'{zone}'"), column))
        return func.to_char(start, _sql("'YYYY-MM-DD'"))
    # SQLite knows no zones: the time moved by the zone's offset in force then, from the
    # offsets over the window (worked out here), as whole seconds since 1970.
    epoch = sqlite_epoch(column)
    spans = offsets(zone, window.since, window.until)
    shifts = [(epoch < _sql(str(end)), _sql(str(offset))) for end, offset in spans[:-1]]
    local = epoch + (
        case(*shifts, else_=_sql(str(spans[-1][1]))) if shifts else _sql(str(spans[-1][1]))
    )
    unix = _sql("'unixepoch'")
    if bucket == "day":
        return func.strftime(_sql("'%Y-%m-%d'"), local, unix)
    if bucket == "week":
        # 'weekday 0' moves on to Sunday (a Sunday stays), six days back is that week's Monday.
        return func.date(local, unix, _sql("'weekday 0'"), _sql("'-6 days'"))
    return func.strftime(_sql("'%Y-%m-01'"), local, unix)


def _utc_offset(zone: ZoneInfo, at: datetime) -> int:
    found = at.astimezone(zone).utcoffset()
    return 0 if found is None else int(found.total_seconds())


def offsets(name: str, since: datetime, until: datetime) -> list[tuple[int, int]]:
    """The zone's UTC offsets over [since, until): (end as epoch seconds, offset in seconds);
    an unknown zone is UTC."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    spans: list[tuple[int, int]] = []
    at, current = since, _utc_offset(zone, since)
    while at < until:
        step = min(at + timedelta(days=1), until)
        if _utc_offset(zone, step) != current:
            # The change lies in (low, high], high <= until (a change in the window's last day
            # counts too): narrow it to the second.
            low, high = at, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (
                    (middle, high) if _utc_offset(zone, middle) == current else (low, middle)
                )
            spans.append((int(high.timestamp()), current))
            current, step = _utc_offset(zone, high), high
        at = step
    spans.append((int(until.timestamp()) + 1, current))
    return spans


def _sql(text: str) -> ColumnElement[Any]:
    return literal_column(text)
