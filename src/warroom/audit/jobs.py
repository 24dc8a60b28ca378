"""The `audit.checkpoint` job: a signed checkpoint of every chain head, then the next one; and
the audit record of an admin's cancel or retry of a job (handed to the engine by warroom.wiring)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from warroom.audit import checkpoint, sinks
from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.settings import Settings, ensure_secret_key

KIND = "audit.checkpoint"
MAX_ATTEMPTS = 50


def schedule(session: Session, clock: Clock, settings: Settings) -> Job | None:
    """Make sure the next periodic checkpoint is pending (none when they are off)."""
    if settings.audit_checkpoint_seconds <= 0 or not sinks.configured(settings):
        return None
    run_at = clock.now() + timedelta(seconds=settings.audit_checkpoint_seconds)
    # Many attempts: back-off is capped at an hour, so a sink that is down for a day or two
    # delays checkpoints rather than ending them.
    return engine.enqueue(
        session, clock, KIND, {}, run_at=run_at, dedup_key=KIND, max_attempts=MAX_ATTEMPTS
    )


@handler(KIND)
def write_checkpoint(ctx: JobContext, job: Job) -> None:
    doc = checkpoint.build(ctx.session, ctx.clock, ensure_secret_key(ctx.settings))
    ctx.session.commit()  # no transaction stays open during the outbound calls
    sinks.deliver(ctx.settings, doc)  # raises when a sink failed: this job is retried
    # Queued once delivered, so a retried job never meets its successor's dedup key.
    schedule(ctx.session, ctx.clock, ctx.settings)


def record_cancel(session: Session, clock: Clock, job: Job, actor: str, before: str) -> None:
    """An admin cancelled a job: `engine:job:cancelled` on the global chain, naming them. What
    the job worked on may be an incident's: its own timeline says so (the job's given_up hook)."""
    _record(session, clock, "engine:job:cancelled", job, actor, before)


def record_retry(session: Session, clock: Clock, job: Job, actor: str, before: str) -> None:
    """An admin queued a failed or cancelled job again: `engine:job:retried` on the global
    chain, naming them (its work, a page or an action run, is done again)."""
    _record(session, clock, "engine:job:retried", job, actor, before)


def _record(session: Session, clock: Clock, kind: str, job: Job, actor: str, before: str) -> None:
    payload = {"job_id": job.id, "job": job.kind, "from": before, "incident_id": job.incident_id}
    timeline.record(session, clock, incident_id=None, kind=kind, actor=actor, payload=payload)
