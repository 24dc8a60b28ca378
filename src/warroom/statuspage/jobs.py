"""The status page's engine jobs: maintenance start and finish, subscriber fan-out."""

from __future__ import annotations

from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.statuspage import maintenance, subscribers


@handler(maintenance.START_KIND, batch=True)
def start_maintenance(ctx: JobContext, job: Job) -> None:
    maintenance.start(ctx.session, ctx.clock, int(job.payload["id"]))


@handler(maintenance.FINISH_KIND, batch=True)
def finish_maintenance(ctx: JobContext, job: Job) -> None:
    maintenance.finish(ctx.session, ctx.clock, int(job.payload["id"]))


@handler(subscribers.NOTIFY_KIND, batch=True)
def notify_subscribers(ctx: JobContext, job: Job) -> None:
    subscribers.fan_out(ctx.session, ctx.clock, ctx.settings, dict(job.payload))
