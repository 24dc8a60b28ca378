"""The `intake.storm.quiet` job: a storm ends when its quiet period is over."""

from __future__ import annotations

from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.intake import state, storm


@handler(storm.QUIET_CHECK, batch=True)
def end_quiet_storm(ctx: JobContext, job: Job) -> None:
    integration = str(job.payload["integration"])
    settings = state.current(ctx.session).storms.get(integration, storm.DEFAULT)
    storm.end_if_quiet(ctx.session, ctx.clock, settings, integration)
