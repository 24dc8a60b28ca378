"""A scheduled drill's `at` is read in its `time_zone` (an IANA name, UTC by default), as the
on-call schedules' times are: a team in Berlin writes `at: "10:00"` with
`time_zone: Europe/Berlin` and its drill starts at 10:00 there in winter (09:00 UTC) and in
summer (08:00 UTC). Drills could only be given in UTC: `time_zone` was an unknown field and
`at: "10:00+01:00"` was refused, so a Berlin team's 10:00 drill moved to 11:00 every summer.
A bad zone, or a zone written into the time, is a config problem naming it, with nothing
written. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.review.drills.world import World, apply, org, world
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine import service as engine
from warroom.review.drills.config import DUE_KIND

__all__ = ["world"]
BERLIN = """\
drills:
  - name: p2-monthly
    severity: P2
    every: monthly
    day: 1
    at: "10:00"
    time_zone: Europe/Berlin
    participants: [user:ic@corp.test]
"""


def _pending_due(db: Database) -> list[str]:
    with db.session() as session:
        jobs = engine.list_jobs(session, state="pending", kind=DUE_KIND)
        return [str(j.payload["due"]) for j in jobs]


def _run(world: World) -> None:
    while world.worker.run_once():
        pass


def test_a_berlin_drill_starts_at_ten_berlin_time_winter_and_summer(
    db: Database, clock: FakeClock, world: World
) -> None:
    clock.set(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    apply(db, clock, org(world.hooks.url, BERLIN))
    assert _pending_due(db) == ["2026-02-01T09:00:00+00:00"]  # 10:00 CET
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    _run(world)
    clock.set(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    _run(world)
    assert _pending_due(db) == ["2026-04-01T08:00:00+00:00"]  # 10:00 CEST

    # Applied again unchanged: the pending start stays as it is.
    apply(db, clock, org(world.hooks.url, BERLIN))
    assert _pending_due(db) == ["2026-04-01T08:00:00+00:00"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("    time_zone: Europe/Berlinn", "drills[p2-monthly].time_zone: unknown "
         "time zone 'Europe/Berlinn' (use an IANA name like Europe/Berlin)"),
        ('    at: "10:00+01:00"', "drills[p2-monthly].at: '10:00+01:00' is not a "
         "time of day HH:MM: give the zone as time_zone"),
    ],
)  # fmt: skip
def test_a_bad_zone_is_a_problem_naming_it_with_nothing_written(
    db: Database, clock: FakeClock, world: World, line: str, message: str
) -> None:
    field = line.split(":")[0]
    text = "\n".join(
        line if existing.startswith(field + ":") else existing
        for existing in org(world.hooks.url, BERLIN).splitlines()
    )
    _, problems = config_service.load_files({"org.yaml": text + "\n"})
    assert any(message in found for found in problems.lines()), problems.lines()
    assert _pending_due(db) == []
