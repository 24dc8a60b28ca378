"""The drills' engine jobs: play a drill's due scenario steps, start a scheduled drill."""

from __future__ import annotations

from datetime import datetime

from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.review.drills import config, schedule, service
from warroom.review.drills.scenario import parse_scenario


@handler(service.STEP_KIND)
def play_steps(ctx: JobContext, job: Job) -> None:
    service.play_due_steps(ctx.session, ctx.clock, int(job.payload["drill_id"]))


@handler(config.DUE_KIND)
def start_scheduled(ctx: JobContext, job: Job) -> None:
    """Start the schedule's drill for this due time (once, whatever runs twice), plan the next."""
    session, clock = ctx.session, ctx.clock
    name = str(job.payload["name"])
    due = datetime.fromisoformat(str(job.payload["due"]))
    item = config.schedules(session).get(name)
    if item is None:
        return  # no longer in the config
    occurrence = schedule.occurrence(name, due)
    if service.started_for(session, occurrence) is None:
        service.start_drill(
            session,
            clock,
            ctx.settings,
            severity=item.severity,
            service=item.service,
            title=item.title,
            participants=list(item.participants),
            scenario=parse_scenario(item.scenario, f"drills.{name}.scenario")
            if item.scenario
            else None,
            actor=f"{service.ACTOR}:{name}",
            schedule=name,
            occurrence=occurrence,
            strict=False,
        )
    config.plan_next(session, clock, item, max(due, clock.now()))
