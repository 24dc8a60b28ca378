"""The hand-off notice says when the shift ends as the schedule's clock shows it.

A Berlin team hands over at Monday 09:00 local. Before, the notice said the shift "runs until
2026-04-06T07:00:00+00:00 (schedule time zone Europe/Berlin)": a UTC time next to a zone name,
read as 07:00 by the person going on call. Now it says "Mon 2026-04-06 09:00 CEST
(Europe/Berlin)", and across the October change "Mon 2026-10-26 09:00 CET".
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.paging.test_oncall_dst_nights import BERLIN
from tests.integration.paging.world import apply, sender, worker
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

__all__ = ["sender"]

NOTIFIED = BERLIN.replace("handoff_notify: false", "handoff_notify: true")


def test_the_handoff_notice_gives_the_end_of_the_shift_in_the_schedules_clock(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    clock.set(datetime(2026, 3, 28, 12, tzinfo=UTC))
    apply(db, clock, NOTIFIED)
    run = worker(db, clock, settings)
    run.run_once()
    seen = []
    for handoff in (
        datetime(2026, 3, 30, 7, tzinfo=UTC),  # Monday 09:00 CEST, the first after spring
        datetime(2026, 10, 19, 7, tzinfo=UTC),  # Monday 09:00 CEST, the week the clocks go back
    ):
        clock.set(handoff)
        run.run_once()
        seen += [(m.url.rsplit("/", 1)[-1], m.body.splitlines()[0]) for m in sender.sent]
        sender.sent.clear()
    assert seen == [
        (
            "anna-push",
            "Your on-call shift on Berlin starts now and runs until "
            "Mon 2026-04-06 09:00 CEST (Europe/Berlin).",
        ),
        (
            "ben-push",
            "Your on-call shift on Berlin starts now and runs until "
            "Mon 2026-10-26 09:00 CET (Europe/Berlin).",
        ),
    ]
