"""The engine's own periodic job: delete old finished jobs (and ended lane pauses) so the
queue stays small."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.engine import lanes, service
from warroom.engine.models import Job
from warroom.engine.options import EngineOptions
from warroom.engine.registry import JobContext, handler

PRUNE_KIND = "engine.prune"
PRUNE_KEY = "engine:prune"
PRUNE_EVERY = timedelta(hours=1)


def schedule_prune(session: Session, clock: Clock) -> Job:
    """Make sure one prune job is pending (no-op when one is)."""
    return service.enqueue(
        session, clock, PRUNE_KIND, {}, run_at=clock.now() + PRUNE_EVERY, dedup_key=PRUNE_KEY
    )


@handler(PRUNE_KIND, batch=True)
def prune(ctx: JobContext, job: Job) -> None:
    keep = timedelta(days=EngineOptions().keep_done_days)
    service.prune(ctx.session, ctx.clock, older_than=keep)
    lanes.prune(ctx.session, ctx.clock)
    schedule_prune(ctx.session, ctx.clock)
