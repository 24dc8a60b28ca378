"""A daily rotation whose `start` names the very time the spring change skips.

`start: "2026-03-29T02:30"` in Berlin (that night 02:00 jumps to 03:00). The rotation starts
at 03:30 CEST, as a start given by date (`start: "2026-03-29"`, `handoff: "02:30"`) does, but
then handed off at 03:30 every day after, forever an hour late, while the date form hands off
at 02:30. Both forms now hand off at 02:30 from the next day on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.paging import service as paging

BERLIN = ZoneInfo("Europe/Berlin")

ORG = """\
users:
  - {email: anna@atlas.test, name: Anna}
  - {email: ben@atlas.test, name: Ben}
schedules:
  - key: nights
    time_zone: Europe/Berlin
    handoff_notify: false
    layers:
      - name: daily
        participants: [anna@atlas.test, ben@atlas.test]
        shift: daily
        START
"""


@pytest.mark.parametrize(
    "start", ['start: "2026-03-29T02:30"', 'start: "2026-03-29"\n        handoff: "02:30"']
)
def test_a_start_on_the_skipped_time_hands_off_at_that_time_every_day_after(
    start: str, db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 28, tzinfo=UTC))
    apply(db, clock, ORG.replace("START", start))
    with db.session() as session:
        got = paging.shifts(
            session, "nights", datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        )
    local = [(s.start.astimezone(BERLIN).strftime("%m-%d %H:%M"), s.user) for s in got]
    assert local == [
        ("03-29 01:00", None),
        ("03-29 03:30", "anna@atlas.test"),
        ("03-30 02:30", "ben@atlas.test"),
        ("03-31 02:30", "anna@atlas.test"),
    ]
