"""A layer's participant who is no longer an active user is nobody on call in their turns.

Their turns keep their place (the others' shifts do not move) and a lower layer shows through;
the shifts list, the feed and `warroom oncall` read the same answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.paging.rotations import Rotation
from warroom.paging.schedules import Layer, Schedule, Shift, on_call_at, shifts

START = datetime(2026, 1, 1, 9, tzinfo=UTC)
DAILY = Rotation(("ann@x.test", "bob@x.test", "cat@x.test"), START, shift="daily")
BACKUP = Rotation(("lead@x.test",), START, shift="weekly")


def test_an_absent_participants_turns_put_nobody_on_call_on_that_layer() -> None:
    schedule = Schedule("s", (Layer("daily", DAILY, absent=frozenset({"bob@x.test"})),))
    assert on_call_at(schedule, datetime(2026, 1, 1, 12, tzinfo=UTC)).user == "ann@x.test"
    assert on_call_at(schedule, datetime(2026, 1, 2, 12, tzinfo=UTC)).user is None
    assert on_call_at(schedule, datetime(2026, 1, 3, 12, tzinfo=UTC)).user == "cat@x.test"


def test_a_lower_layer_covers_an_absent_participants_turn() -> None:
    schedule = Schedule(
        "s",
        (
            Layer("backup", BACKUP, priority=0),
            Layer("daily", DAILY, priority=10, absent=frozenset({"bob@x.test"})),
        ),
    )
    got = shifts(schedule, START, datetime(2026, 1, 4, 9, tzinfo=UTC))
    assert [(s.start.day, s.end.day, s.user, s.layer) for s in got] == [
        (1, 2, "ann@x.test", "daily"),
        (2, 3, "lead@x.test", "backup"),
        (3, 4, "cat@x.test", "daily"),
    ]
    assert all(isinstance(s, Shift) for s in got)
