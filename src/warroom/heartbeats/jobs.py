"""The `heartbeat.check` job."""

from __future__ import annotations

from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.heartbeats import service
from warroom.heartbeats.service import CHECK_KIND


@handler(CHECK_KIND, batch=True)
def check_heartbeat(ctx: JobContext, job: Job) -> None:
    service.check(ctx.session, ctx.clock, str(job.payload["name"]))
