"""Schedule resolution as tables: rotations, layers, restrictions, overrides, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from warroom.paging.rotations import Rotation, parse_restriction
from warroom.paging.schedules import Layer, Override, Schedule, now_and_next, on_call_at, shifts

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(text: str, tz: ZoneInfo = UTC) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def daily(tz: str, start: datetime, people: tuple[str, ...] = ("ana", "ben", "cai")) -> Rotation:
    return Rotation(participants=people, start=start, shift="daily", time_zone=tz)


@pytest.mark.parametrize(
    ("when", "who"),
    [
        ("2026-03-27T08:59", "ana"),  # before Friday's hand-off: still Thursday's (ana) shift
        ("2026-03-27T09:00", "ben"),
        ("2026-03-28T09:00", "cai"),
        ("2026-03-29T08:59", "cai"),  # the night the clocks go forward (02:00 -> 03:00)
        ("2026-03-29T09:00", "ana"),
        ("2026-03-30T09:00", "ben"),
        # 212 days after the start: 212 % 3 == 2
        ("2026-10-24T09:00", "cai"),
        ("2026-10-25T08:59", "cai"),  # clocks go back (03:00 -> 02:00) that morning
        ("2026-10-25T09:00", "ana"),
        ("2026-10-26T09:00", "ben"),
    ],
)
def test_daily_berlin_handoff_stays_at_nine_local(when: str, who: str) -> None:
    rotation = daily("Europe/Berlin", at("2026-03-26T09:00", BERLIN))
    assert rotation.on_call(at(when, BERLIN)) == who


def test_berlin_shift_lengths_across_both_changes() -> None:
    rotation = daily("Europe/Berlin", at("2026-03-26T09:00", BERLIN))
    schedule = Schedule("s", (Layer("l", rotation),))
    march = shifts(schedule, at("2026-03-28T09:00", BERLIN), at("2026-03-30T09:00", BERLIN))
    assert [s.end - s.start for s in march] == [timedelta(hours=23), timedelta(hours=24)]
    assert [s.start.astimezone(BERLIN).hour for s in march] == [9, 9]
    october = shifts(schedule, at("2026-10-24T09:00", BERLIN), at("2026-10-26T09:00", BERLIN))
    assert [s.end - s.start for s in october] == [timedelta(hours=25), timedelta(hours=24)]
    # the UTC instants of the hand-off move by an hour with the change
    assert [s.start.astimezone(UTC).hour for s in october] == [7, 8]


@pytest.mark.parametrize(
    ("when", "who"),
    [
        ("2026-03-07T09:00", "ana"),
        ("2026-03-08T08:59", "ana"),  # US spring forward at 02:00 on 8 March
        ("2026-03-08T09:00", "ben"),
        ("2026-11-01T08:59", "ana"),  # US fall back on 1 November
        ("2026-11-01T09:00", "ben"),
    ],
)
def test_daily_new_york_across_dst(when: str, who: str) -> None:
    rotation = daily("America/New_York", at("2026-03-07T09:00", NEW_YORK), ("ana", "ben"))
    # 239 days from 7 March to 1 November is odd, so ana has 31 October
    assert rotation.on_call(at(when, NEW_YORK)) == who


def test_handoff_inside_the_dst_gap_moves_forward() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026; the hand-off happens at 03:30 CEST.
    rotation = daily("Europe/Berlin", at("2026-03-28T02:30", BERLIN), ("ana", "ben"))
    start = rotation.shift_start(1)
    assert start == at("2026-03-29T01:30")
    assert rotation.on_call(at("2026-03-29T01:29")) == "ana"
    assert rotation.on_call(at("2026-03-29T01:30")) == "ben"


@pytest.mark.parametrize(
    ("shift", "length", "offset_h", "who"),
    [
        ("hourly", 8, 0, "ana"),
        ("hourly", 8, 7.99, "ana"),
        ("hourly", 8, 8, "ben"),
        ("hourly", 8, 24, "ana"),
        ("weekly", 1, 24 * 6.9, "ana"),
        ("weekly", 1, 24 * 7, "ben"),
        ("weekly", 2, 24 * 13, "ana"),
        ("weekly", 2, 24 * 14, "ben"),
        ("custom", 3600 * 36, 35, "ana"),
        ("custom", 3600 * 36, 36, "ben"),
        ("custom", 3600 * 36, 72, "cai"),
        ("daily", 3, 71, "ana"),
        ("daily", 3, 72, "ben"),
    ],
)
def test_shift_kinds(shift: str, length: int, offset_h: float, who: str) -> None:
    start = at("2026-01-05T09:00")
    rotation = Rotation(("ana", "ben", "cai"), start, shift, length, "UTC")
    assert rotation.on_call(start + timedelta(hours=offset_h)) == who


def test_nobody_before_the_rotation_starts() -> None:
    rotation = daily("UTC", at("2026-01-05T09:00"))
    assert rotation.on_call(at("2026-01-05T08:00")) is None


def test_hourly_is_elapsed_time_across_dst() -> None:
    start = at("2026-03-29T00:00", BERLIN)  # 23:00 UTC on the 28th
    rotation = Rotation(("ana", "ben"), start, "hourly", 2, "Europe/Berlin")
    # two real hours later it is 03:00 local (the clocks skipped 02:00-03:00)
    assert rotation.shift_start(1).astimezone(BERLIN).hour == 3
    assert rotation.on_call(at("2026-03-29T03:00", BERLIN)) == "ben"


def business_hours_schedule() -> Schedule:
    start = at("2026-01-05T00:00", BERLIN)  # a Monday
    primary = Layer(
        "business",
        Rotation(("dev1", "dev2"), start, "weekly", 1, "Europe/Berlin"),
        priority=10,
        restrictions=(parse_restriction(["mon", "tue", "wed", "thu", "fri"], "09:00", "17:00"),),
    )
    after_hours = Layer("after-hours", Rotation(("ops",), start, "daily", 1, "Europe/Berlin"))
    return Schedule("api", (primary, after_hours), time_zone="Europe/Berlin")


@pytest.mark.parametrize(
    ("when", "who", "layer"),
    [
        ("2026-01-05T08:59", "ops", "after-hours"),
        ("2026-01-05T09:00", "dev1", "business"),
        ("2026-01-05T16:59", "dev1", "business"),
        ("2026-01-05T17:00", "ops", "after-hours"),
        ("2026-01-10T12:00", "ops", "after-hours"),  # Saturday
        ("2026-01-12T10:00", "dev2", "business"),
        ("2026-03-30T09:00", "dev1", "business"),  # summer time: still 09-17 local (week 12)
        ("2026-03-30T08:30", "ops", "after-hours"),
    ],
)
def test_layers_with_business_hours(when: str, who: str, layer: str) -> None:
    result = on_call_at(business_hours_schedule(), at(when, BERLIN))
    assert (result.user, result.layer) == (who, layer)


def test_restriction_across_midnight() -> None:
    night = parse_restriction(["fri"], "22:00", "06:00")
    assert night.contains(at("2026-01-09T23:00"))  # Friday
    assert night.contains(at("2026-01-10T05:59"))  # Saturday morning
    assert not night.contains(at("2026-01-10T06:00"))
    assert not night.contains(at("2026-01-10T23:00"))


def test_business_hours_shifts_of_a_day() -> None:
    day = shifts(
        business_hours_schedule(), at("2026-01-05T00:00", BERLIN), at("2026-01-06T00:00", BERLIN)
    )
    assert [(s.start.astimezone(BERLIN).hour, s.user) for s in day] == [
        (0, "ops"),
        (9, "dev1"),
        (17, "ops"),
    ]


@pytest.mark.parametrize(
    ("when", "who"),
    [
        ("2026-01-05T10:00", "dev1"),
        ("2026-01-05T12:00", "sub"),  # sub replaces dev1 from 12:00 to 21:00
        ("2026-01-05T13:00", "boss"),  # the newer override (no replaces) wins
        ("2026-01-05T14:00", "boss"),
        ("2026-01-05T15:00", "sub"),
        ("2026-01-05T20:00", "ops"),  # sub's replaces=dev1 does not apply to ops
    ],
)
def test_overrides(when: str, who: str) -> None:
    base = business_hours_schedule()
    schedule = Schedule(
        base.key,
        base.layers,
        (
            Override(
                "sub", at("2026-01-05T12:00", BERLIN), at("2026-01-05T21:00", BERLIN), "dev1", 1
            ),
            Override(
                "boss", at("2026-01-05T13:00", BERLIN), at("2026-01-05T15:00", BERLIN), None, 2
            ),
        ),
        "Europe/Berlin",
    )
    assert on_call_at(schedule, at(when, BERLIN)).user == who


def test_now_and_next() -> None:
    current, following = now_and_next(business_hours_schedule(), at("2026-01-05T10:30", BERLIN))
    assert (current.user, current.start, current.end) == (
        "dev1",
        at("2026-01-05T09:00", BERLIN),
        at("2026-01-05T17:00", BERLIN),
    )
    assert following is not None
    assert (following.user, following.start) == ("ops", at("2026-01-05T17:00", BERLIN))


def test_empty_schedule_has_nobody() -> None:
    current, following = now_and_next(Schedule("x"), at("2026-01-05T10:30"))
    assert current.user is None and following is None


def test_business_hours_edges_follow_dst() -> None:
    day = shifts(
        business_hours_schedule(), at("2026-03-30T00:00", BERLIN), at("2026-03-31T00:00", BERLIN)
    )
    assert [(s.start.astimezone(BERLIN).hour, s.user) for s in day] == [
        (0, "ops"),
        (9, "dev1"),
        (17, "ops"),
    ]
    assert day[1].start == at("2026-03-30T07:00")  # 09:00 CEST is 07:00 UTC


def test_weekly_rotation_across_fall_back_in_new_york() -> None:
    rotation = Rotation(
        ("ana", "ben"), at("2026-10-26T09:00", NEW_YORK), "weekly", 1, "America/New_York"
    )
    # the week holding the change (1 November) is one hour longer
    assert rotation.shift_start(1) - rotation.shift_start(0) == timedelta(days=7, hours=1)
    assert rotation.on_call(at("2026-11-02T08:59", NEW_YORK)) == "ana"
    assert rotation.on_call(at("2026-11-02T09:00", NEW_YORK)) == "ben"


def test_shifts_agree_with_on_call_at_everywhere() -> None:
    import itertools
    import random

    base = business_hours_schedule()
    nights = Layer(
        "nights",
        Rotation(("owl",), at("2026-02-01T00:00", BERLIN), "hourly", 5),
        20,
        (parse_restriction(["sat", "sun"], "22:00", "06:00"),),
    )
    cover = Override("sub", at("2026-03-28T12:00", BERLIN), at("2026-03-29T12:00", BERLIN))
    schedule = Schedule(
        base.key,
        (*base.layers, nights),
        (cover,),
        "Europe/Berlin",
    )
    start, end = at("2026-03-20T00:00", BERLIN), at("2026-04-05T00:00", BERLIN)
    table = shifts(schedule, start, end)
    assert table[0].start == start and table[-1].end == end
    for left, right in itertools.pairwise(table):
        assert left.end == right.start and left.user != right.user
    rng = random.Random(5)
    for _ in range(2000):
        when = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
        [shift] = [s for s in table if s.start <= when < s.end]
        assert shift.user == on_call_at(schedule, when).user, when


def test_now_and_next_with_an_override() -> None:
    base = business_hours_schedule()
    schedule = Schedule(
        base.key,
        base.layers,
        (
            Override(
                "sub", at("2026-01-05T10:00", BERLIN), at("2026-01-05T12:00", BERLIN), "dev1", 1
            ),
        ),
        "Europe/Berlin",
    )
    current, following = now_and_next(schedule, at("2026-01-05T09:30", BERLIN))
    assert (current.user, current.end) == ("dev1", at("2026-01-05T10:00", BERLIN))
    assert following is not None
    assert (following.user, following.end, following.override_id) == (
        "sub",
        at("2026-01-05T12:00", BERLIN),
        1,
    )
