"""Drills scheduled in config: the engine starts each when due (fake clock), pages who takes
part (DRILL first), and never starts one twice: not when its job runs again, not when the
config is applied again, not after a restart; the next start is planned. Bad schedules are
config problems with their file and line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from tests.integration.review.drills.world import World, apply, org, world
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.worker import Worker
from warroom.review.drills.config import DUE_KIND
from warroom.review.drills.models import Drill

__all__ = ["world"]
DRILLS = """\
drills:
  - name: p2-monthly
    severity: P2
    service: checkout
    every: monthly
    at: "10:00"
    participants: [user:ic@corp.test]
    scenario: |
      steps:
        - {at: 0m, fire: latency, labels: {alertname: CheckoutLatency}}
"""


def _drills(db: Database) -> list[tuple[str, str | None]]:
    with db.session() as session:
        return [(d.schedule, d.occurrence) for d in session.scalars(select(Drill))]


def _pending_due(db: Database) -> list[str]:
    with db.session() as session:
        return [str(j.payload["due"]) for j in engine.list_jobs(session, state="pending",
                                                                kind=DUE_KIND)]  # fmt: skip


def _run(world: World, clock: FakeClock) -> None:
    for _ in range(3):
        while world.worker.run_once():
            pass
        clock.advance(seconds=5)


def test_a_scheduled_drill_starts_once_when_due_and_pages_its_participants(
    db: Database, clock: FakeClock, world: World
) -> None:
    clock.set(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    config = org(world.hooks.url, DRILLS)
    apply(db, clock, config)
    assert _pending_due(db) == ["2026-02-01T10:00:00+00:00"]
    _run(world, clock)
    assert _drills(db) == []  # not due yet
    clock.set(datetime(2026, 2, 1, 10, 0, tzinfo=UTC))
    _run(world, clock)
    assert _drills(db) == [("p2-monthly", "p2-monthly@2026-02-01T10:00Z")]
    assert _pending_due(db) == ["2026-03-01T10:00:00+00:00"]
    pages = [json.loads(r.body) for r in world.hooks.to("/ic")]
    assert pages and all(p["title"].startswith("DRILL") for p in pages)
    assert any("you take part" in p["body"] for p in pages)
    assert world.box.messages and all(
        str(m["Subject"]).startswith("DRILL") for m in world.box.messages
    )

    # The same due job again (a replay after a crash), a second worker (a restart), and the
    # same config applied again: still one drill for that due time.
    with db.session() as session:
        engine.enqueue(session, clock, DUE_KIND,
                       {"name": "p2-monthly", "due": "2026-02-01T10:00:00+00:00"})  # fmt: skip
    Worker(db, clock, world.settings, "restarted").run_once()
    apply(db, clock, config)
    _run(world, clock)
    assert len(_drills(db)) == 1
    assert _pending_due(db) == ["2026-03-01T10:00:00+00:00"]

    clock.set(datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC))
    _run(world, clock)
    assert [o for _, o in _drills(db)] == [
        "p2-monthly@2026-02-01T10:00Z", "p2-monthly@2026-03-01T10:00Z"
    ]  # fmt: skip


def test_a_schedule_removed_from_the_config_starts_nothing(
    db: Database, clock: FakeClock, world: World
) -> None:
    apply(db, clock, org(world.hooks.url, DRILLS))
    assert len(_pending_due(db)) == 1
    apply(db, clock, org(world.hooks.url))
    assert _pending_due(db) == []
    clock.advance(days=40)
    _run(world, clock)
    assert _drills(db) == []


def test_bad_schedules_are_config_problems_with_their_line() -> None:
    text = org(
        "127.0.0.1:9",
        """\
drills:
  - {name: unknown-severity, severity: P9, every: monthly}
  - {name: fortnightly, severity: P1, every: fortnightly}
  - {name: late, severity: P1, every: monthly, at: "25:00"}
  - {name: weekly, severity: P1, every: weekly, day: 9, participants: [user:nobody@corp.test]}
  - name: scripted
    severity: P0
    every: yearly
    scenario: |
      steps:
        - {at: 0m, resolve: latency}
""",
    )
    _, problems = config_service.load_files({"org.yaml": text})
    base = len(org("127.0.0.1:9").splitlines())
    expected = [
        f"org.yaml:{base + 2}: drills[unknown-severity].severity: unknown severity 'P9'",
        f"org.yaml:{base + 3}: drills[fortnightly].every: Input should be 'weekly', 'monthly',",
        f"org.yaml:{base + 4}: drills[late].at: '25:00' is not a time of day",
        f"org.yaml:{base + 5}: drills[weekly].day: a weekly drill's day is a weekday, 1-7",
        f"org.yaml:{base + 5}: drills[weekly].participants[0]: 'user:nobody@corp.test': no user",
        f"org.yaml:{base + 9}: drills[scripted].scenario: scenario line 2: 'latency' is not fired",
    ]
    lines = problems.lines()
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, lines)
