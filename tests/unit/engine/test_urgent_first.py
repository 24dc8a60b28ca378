"""Under a flood, urgent shared-transaction kinds (paging) are claimed before the others,
even when the others were due earlier; the others run once no urgent job is due."""

from __future__ import annotations

import sys
from datetime import timedelta

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service
from warroom.engine.models import Job
from warroom.engine.options import EngineOptions
from warroom.engine.registry import JobContext, handler, register_module
from warroom.engine.worker import Worker
from warroom.settings import Settings

ORDER: list[str] = []


@handler("test.page", batch=True)
def page(ctx: JobContext, job: Job) -> None:
    ORDER.append(f"page:{job.payload['n']}")


@handler("test.announce", batch=True)
def announce(ctx: JobContext, job: Job) -> None:
    ORDER.append(f"announce:{job.payload['n']}")


register_module(sys.modules[__name__])


def test_urgent_kinds_are_claimed_first(db: Database, clock: FakeClock, settings: Settings) -> None:
    ORDER.clear()
    with db.session() as session:
        for n in range(3):  # the announcements were queued first, and are due earlier
            service.enqueue(session, clock, "test.announce", {"n": n}, run_at=clock.now())
        later = clock.now() + timedelta(seconds=1)
        for n in range(3):
            service.enqueue(session, clock, "test.page", {"n": n}, run_at=later)
    clock.advance(seconds=2)
    options = EngineOptions(urgent_kinds="test.page", batch_max=2)
    Worker(db, clock, settings, "w1", options=options).run_once()
    assert ORDER == [
        "page:0", "page:1", "page:2", "announce:0", "announce:1", "announce:2",
    ]  # fmt: skip
