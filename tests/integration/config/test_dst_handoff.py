"""A daily rotation whose first day is a spring-forward day, handing off inside the skipped hour.

Berlin skips 02:00-03:00 on 2026-03-29. A layer `start: "2026-03-29"`, `handoff: "02:30"` can
only start at 03:30 that night, but every other day has a 02:30 and the layer says to hand
off then. Before, the rotation took its wall-clock hand-off from its first instant, so it
handed off at 03:30 all year (`warroom oncall` in December: "Until 2026-12-07 02:30 UTC", that
is 03:30 in Berlin). Now the first shift starts at 03:30 and the others at 02:30; a start on
an ordinary day, and a hand-off at local midnight across the change, are as before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.paging import service as paging

BERLIN = ZoneInfo("Europe/Berlin")
ORG = """\
users:
  - {email: ann@example.com, name: Ann, role: admin}
  - {email: bob@example.com, name: Bob}
schedules:
  - key: gap
    time_zone: Europe/Berlin
    layers:
      - name: daily
        participants: [ann@example.com, bob@example.com]
        shift: daily
        start: "2026-03-29"
        handoff: "02:30"
  - key: midnight
    time_zone: Europe/Berlin
    layers:
      - name: daily
        participants: [ann@example.com, bob@example.com]
        shift: daily
        start: "2026-03-27"
        handoff: "00:00"
"""


def _berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def _handoffs(db: Database, key: str, start: str, end: str) -> list[tuple[str, str | None]]:
    with db.session() as session:
        found = paging.shifts(session, key, _berlin(start), _berlin(end))
    return [(s.start.astimezone(BERLIN).strftime("%m-%d %H:%M %Z"), s.user) for s in found]


def test_a_rotation_started_in_the_skipped_hour_hands_off_at_its_time(
    db: Database, clock: FakeClock
) -> None:
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")

    assert _handoffs(db, "gap", "2026-03-29T00:00", "2026-04-01T00:00") == [
        ("03-29 00:00 CET", None),
        ("03-29 03:30 CEST", "ann@example.com"),  # 02:30 does not exist that night
        ("03-30 02:30 CEST", "bob@example.com"),  # before: 03:30
        ("03-31 02:30 CEST", "ann@example.com"),
    ]
    # Across the October change (02:30 comes twice; the first one) and in winter.
    assert _handoffs(db, "gap", "2026-10-25T00:00", "2026-10-27T00:00") == [
        ("10-25 00:00 CEST", "bob@example.com"),
        ("10-25 02:30 CEST", "ann@example.com"),
        ("10-26 02:30 CET", "bob@example.com"),
    ]
    with db.session() as session:
        [now] = paging.on_call(session, _berlin("2026-12-07T02:45"), "gap")
    assert (now.current.user, now.current.end.astimezone(BERLIN).strftime("%H:%M")) == (
        "bob@example.com",
        "02:30",
    )

    # Midnight hand-offs on the spring-forward night are untouched: who is on call at 01:30
    # is who took over at 00:00 (CET), until 00:00 (CEST) the next day.
    assert _handoffs(db, "midnight", "2026-03-28T12:00", "2026-03-30T12:00") == [
        ("03-28 12:00 CET", "bob@example.com"),
        ("03-29 00:00 CET", "ann@example.com"),
        ("03-30 00:00 CEST", "bob@example.com"),
    ]


WINDOWS = """\
users:
  - {email: ann@example.com, name: Ann, role: admin}
  - {email: nina@example.com, name: Nina}
schedules:
  - key: nights
    time_zone: Europe/Berlin
    layers:
      - {name: base, participants: [ann@example.com], start: "2026-01-05"}
      - name: night
        participants: [nina@example.com]
        start: "2026-01-05"
        restrictions:
          - {days: [sat], start: "22:00", end: "02:30"}   # 02:30 is skipped on 03-29
          - {days: [sun], start: "02:00", end: "02:30"}   # comes twice on 10-25
"""


def test_a_window_edge_moved_by_the_clock_change_is_where_paging_says(
    db: Database, clock: FakeClock
) -> None:
    """Before: the shift listing (and so the calendar feed) missed nina's second 02:00-02:30
    on 10-25 that paging (reading the wall clock) gives her, and a window alone ending at
    02:30 on 03-29 was listed until 03:30 CEST while paging moved on at 03:00."""
    doc, problems = config_service.load_files({"org.yaml": WINDOWS})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    assert _handoffs(db, "nights", "2026-03-28T21:00", "2026-03-29T05:00") == [
        ("03-28 21:00 CET", "ann@example.com"),
        ("03-28 22:00 CET", "nina@example.com"),
        ("03-29 03:00 CEST", "ann@example.com"),  # as the clock jumps past 02:30
    ]
    assert _handoffs(db, "nights", "2026-10-25T00:00", "2026-10-25T04:00") == [
        ("10-25 00:00 CEST", "nina@example.com"),  # since Saturday 22:00
        ("10-25 02:30 CEST", "ann@example.com"),
        ("10-25 02:00 CET", "nina@example.com"),  # 02:00-02:30 again; before: missing
        ("10-25 02:30 CET", "ann@example.com"),
    ]
    # The listing and who paging finds agree every five minutes of both nights.
    for night in ("2026-03-28T22:30", "2026-10-24T23:30"):
        start = _berlin(night)
        with db.session() as session:
            listed = paging.shifts(session, "nights", start, start + timedelta(hours=6))
            for step in range(72):
                when = start + timedelta(minutes=5 * step)
                [now] = paging.on_call(session, when, "nights")
                [shift] = [s for s in listed if s.start <= when < s.end]
                assert now.current.user == shift.user, when
