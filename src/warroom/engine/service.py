"""Durable jobs: enqueue, cancel, claim, complete, retry. The engine's public API.

    from warroom.engine import service as engine

    job = engine.enqueue(session, clock, "paging.escalate", {"incident_id": 7, "level": 2},
                         run_at=clock.now() + timedelta(minutes=5),
                         dedup_key="escalate:7:2", incident_id=7)
    engine.cancel(session, incident_id=7, kind_prefix="paging.")

- `enqueue` inserts the job in the caller's transaction (nothing runs if it rolls back) and
  wakes the engine when it commits: an in-process event for the embedded worker, and
  `NOTIFY warroom_jobs` on PostgreSQL for `warroom worker` processes.
- A `dedup_key` that is already pending makes `enqueue` a no-op returning the pending job
  (a job that is already running does not count: a new one is queued behind it).
- `cancel` cancels pending jobs matching every given filter and returns how many;
  `cancel_job` is an admin's cancel of one pending or failed job (its handler's `given_up`
  hook ends what the job worked on).
- Handlers are registered with `@warroom.engine.registry.handler("kind")`; see that module for
  the handler contract (at-least-once, idempotent, retries with back-off).
- Claiming and what follows it (used by `warroom.engine.worker.Worker`): claim, complete,
  postpone, release, record_failure, backoff, next_due live in `warroom.engine.claims` and
  are re-exported here. This module keeps enqueueing, cancelling, looking jobs up, retrying
  failed ones, pruning and the queue's statistics.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.clock import Clock, SystemClock, utc
from warroom.db import savepoint
from warroom.engine.claims import (
    LOST,
    LOST_ALONE,
    FailureOutcome,
    backoff,
    claim,
    complete,
    complete_many,
    extend_leases,
    mark_alone,
    next_due,
    postpone,
    record_failure,
    release,
)
from warroom.engine.models import CANCELLED, DONE, FAILED, PENDING, RUNNING, STATES, Job
from warroom.engine.pending import add_later as add_later
from warroom.engine.pending import flush_but_new_jobs as flush_but_new_jobs
from warroom.engine.registry import get_handler, hook
from warroom.engine.wake import request_wake
from warroom.errors import Conflict, Invalid, NotFound

__all__ = [
    "LOST",
    "LOST_ALONE",
    "FailureOutcome",
    "Job",
    "backoff",
    "cancel",
    "cancel_job",
    "claim",
    "complete",
    "complete_many",
    "enqueue",
    "extend_leases",
    "get_job",
    "list_jobs",
    "mark_alone",
    "next_due",
    "overrun_jobs",
    "postpone",
    "prune",
    "queue_stats",
    "record_failure",
    "release",
    "retry_job",
]


# session.info: the jobs queued with `new_key` by the current transaction, by dedup key.
_NEW_KEYS = "warroom.engine.new_keys"


@event.listens_for(Session, "after_commit")
def _forget_new_keys(session: Session) -> None:
    if not session.in_nested_transaction():  # a released savepoint keeps its jobs
        session.info.pop(_NEW_KEYS, None)


@event.listens_for(Session, "after_rollback")
def _forget_new_keys_rolled_back(session: Session) -> None:
    session.info.pop(_NEW_KEYS, None)


def _pending_by_key(session: Session, dedup_key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.dedup_key == dedup_key, Job.state == PENDING))


def _check_enqueue_args(kind: str, payload: dict[str, Any], max_attempts: int) -> None:
    if not kind or len(kind) > 100:
        raise Invalid("job kind must be 1-100 characters", field="kind")
    if max_attempts < 1:
        raise Invalid("max_attempts must be at least 1", field="max_attempts")
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"job payload is not JSON: {exc}", field="payload") from exc


def enqueue(
    session: Session,
    clock: Clock,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    dedup_key: str | None = None,
    incident_id: int | None = None,
    max_attempts: int = 10,
    new_key: bool = False,
    lane: str | None = None,
) -> Job:
    """Insert a job in the caller's transaction; workers wake when it commits.

    `new_key`: the dedup key names a row this transaction has just inserted, so no pending
    job can hold it yet: the look-up and the savepoint are skipped (the unique index still
    guards the insert), and the row is inserted at the session's next flush, together with
    the other jobs queued meanwhile (one round trip): read `job.id` only after a flush.
    """
    _check_enqueue_args(kind, payload, max_attempts)
    if dedup_key is not None and not new_key:
        existing = _pending_by_key(session, dedup_key)
        if existing is not None:
            return existing
    now = clock.now()
    job = Job(
        kind=kind,
        payload=dict(payload),
        state=PENDING,
        run_at=utc(run_at) if run_at is not None else now,
        attempts=0,
        max_attempts=max_attempts,
        dedup_key=dedup_key,
        incident_id=incident_id,
        lane=lane,
        created_at=now,
        updated_at=now,
    )
    if new_key:
        queued = session.info.setdefault(_NEW_KEYS, {})
        if dedup_key in queued:  # queued twice by one transaction
            return queued[dedup_key]
        queued[dedup_key] = job
        session.add(job)
    elif dedup_key is None:
        session.add(job)
        session.flush()
    else:
        # Another transaction may insert the same key between our check and our insert.
        try:
            with savepoint(session):
                session.add(job)
                session.flush()
        except IntegrityError:
            existing = _pending_by_key(session, dedup_key)
            if existing is None:
                raise
            return existing
    request_wake(session)
    return job


def cancel(
    session: Session,
    *,
    dedup_key: str | None = None,
    incident_id: int | None = None,
    kind_prefix: str | None = None,
    clock: Clock | None = None,
) -> int:
    """Cancel pending jobs matching every given filter; returns how many were cancelled."""
    if dedup_key is None and incident_id is None and kind_prefix is None:
        raise Invalid("cancel needs dedup_key, incident_id or kind_prefix", field="dedup_key")
    conditions = [Job.state == PENDING]
    if dedup_key is not None:
        conditions.append(Job.dedup_key == dedup_key)
    if incident_id is not None:
        conditions.append(Job.incident_id == incident_id)
    if kind_prefix is not None:
        conditions.append(Job.kind.startswith(kind_prefix, autoescape=True))
    now = (clock or SystemClock()).now()
    result = session.execute(
        update(Job)
        .where(*conditions)
        .values(state=CANCELLED, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def get_job(session: Session, job_id: int) -> Job:
    """One job by id, or NotFound."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", field="job_id")
    return job


def list_jobs(
    session: Session,
    *,
    state: str | None = None,
    kind: str | None = None,
    incident_id: int | None = None,
    limit: int = 100,
) -> list[Job]:
    """Jobs, newest first, filtered by state, kind prefix and incident."""
    query = select(Job)
    if state is not None:
        if state not in STATES:
            raise Invalid(f"unknown state {state!r}; one of {', '.join(STATES)}", field="state")
        query = query.where(Job.state == state)
    if kind is not None:
        query = query.where(Job.kind.startswith(kind, autoescape=True))
    if incident_id is not None:
        query = query.where(Job.incident_id == incident_id)
    return list(session.scalars(query.order_by(Job.id.desc()).limit(max(1, min(limit, 1000)))))


def retry_job(session: Session, clock: Clock, job_id: int) -> Job:
    """Queue a failed or cancelled job again, now, with a fresh attempt budget."""
    job = get_job(session, job_id)
    if job.state not in (FAILED, CANCELLED):
        raise Invalid(f"job {job_id} is {job.state}; only failed or cancelled jobs", field="state")
    queued = _pending_by_key(session, job.dedup_key) if job.dedup_key is not None else None
    if queued is not None:  # at most one pending job per key: that one runs instead
        raise Conflict(
            f"job {queued.id} with the same dedup key {job.dedup_key!r} is already pending",
            field="job_id",
        )
    now = clock.now()
    job.state, job.run_at, job.attempts, job.finished_at, job.updated_at = (
        PENDING,
        now,
        0,
        None,
        now,
    )
    # A handler may carry `handler.retried = fn(session, clock, job)`: what its job worked on
    # is made ready to be worked on again (a failed message is queued again), or the retry
    # would run a job that finds nothing left to do.
    hook = getattr(get_handler(job.kind), "retried", None)
    if hook is not None:
        hook(session, clock, job)
    session.flush()
    request_wake(session)
    return job


# Records an admin's cancel on the global audit chain, in the cancel's transaction. Handed over
# by the composition root (warroom.wiring): the audit domain depends on the engine (its
# checkpoint job), so the engine cannot import it. A process that never wired it refuses cancels
# rather than leave one out of the audit log.
CANCEL_RECORDER: Callable[[Session, Clock, Job, str, str], None] | None = None
# Likewise an admin's retry: it runs the job's work again (a page sent, an action run).
RETRY_RECORDER: Callable[[Session, Clock, Job, str, str], None] | None = None


def record_retry(session: Session, clock: Clock, job: Job, actor: str, before: str) -> None:
    """An admin's retry of a job (from `before`, failed or cancelled) on the audit chain."""
    if RETRY_RECORDER is None:
        raise RuntimeError("record_retry: no audit recorder (warroom.wiring.install() not run)")
    RETRY_RECORDER(session, clock, job, actor, before)


def cancel_job(session: Session, clock: Clock, job_id: int, *, actor: str) -> Job:
    """An admin cancels a pending or failed job: it never runs (again), and the `given_up`
    hook of its kind ends what it worked on (a queued message, an action run)."""
    if not actor:
        raise Invalid("a cancel needs an actor", field="actor")
    job = get_job(session, job_id)
    state, previous = job.state, job.last_error
    if state == RUNNING:
        raise Conflict(
            f"job {job_id} is running (held by {job.locked_by} until {job.lease_until}); "
            "only a pending or failed job can be cancelled: cancel it once it has ended",
            field="state",
        )
    if state not in (PENDING, FAILED):
        raise Conflict(f"job {job_id} is already {state}", field="state")
    if CANCEL_RECORDER is None:
        raise RuntimeError("cancel_job: no audit recorder (warroom.wiring.install() not run)")
    # The hook first: it takes its incident's lock before the job row (the lock order of
    # docs/dev/engine.md); a claim that wins meanwhile makes this a 409, and nothing is kept.
    given_up = hook(job.kind, "given_up")
    if given_up is not None:
        given_up(session, clock, job, f"its job was cancelled by {actor}", actor)
    now = clock.now()
    error = f"cancelled by {actor}" + (f"\nbefore: {previous}" if previous else "")
    result = session.execute(
        update(Job)  # only if no worker claimed it meanwhile
        .where(Job.id == job_id, Job.state == state)
        .values(state=CANCELLED, finished_at=now, updated_at=now, last_error=error[:4000])
        .execution_options(synchronize_session=False)
    )
    session.refresh(job)
    if not result.rowcount:  # type: ignore[attr-defined]
        # The caller rolls back what the hook wrote.
        raise Conflict(f"job {job_id} is {job.state} now; it was not cancelled", field="state")
    CANCEL_RECORDER(session, clock, job, actor, state)
    return job


def prune(session: Session, clock: Clock, *, older_than: timedelta) -> int:
    """Delete done and cancelled jobs that finished before now - older_than."""
    cutoff = clock.now() - older_than
    result = session.execute(
        delete(Job)
        .where(Job.state.in_((DONE, CANCELLED)), Job.finished_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def overrun_jobs(
    session: Session, clock: Clock, limit: Callable[[str], timedelta]
) -> list[tuple[Job, float, float]]:
    """Running jobs held past their kind's maximum run time (`limit(kind)`): hung handlers.
    (job, seconds since it was claimed, its limit in seconds), the longest running first.
    A running job's `updated_at` is when it was claimed: nothing else moves it meanwhile."""
    now = clock.now()
    found = []
    for job in session.scalars(select(Job).where(Job.state == RUNNING).order_by(Job.updated_at)):
        running, allowed = (now - utc(job.updated_at)).total_seconds(), limit(job.kind)
        if running > allowed.total_seconds():
            found.append((job, running, allowed.total_seconds()))
    return found


ACTIVE_STATES = (PENDING, RUNNING, FAILED)


def queue_stats(
    session: Session, clock: Clock, *, states: Collection[str] = ACTIVE_STATES
) -> tuple[dict[tuple[str, str], int], float]:
    """Jobs counted by (kind, state), and the engine lag in seconds (0 when nothing is late).

    By default only pending, running and failed jobs are counted: done and cancelled ones
    pile up until pruned, and counting them would make every scrape scan them.
    """
    counts = {
        (kind, state): int(n)
        for kind, state, n in session.execute(
            select(Job.kind, Job.state, func.count())
            .where(Job.state.in_(list(states)))
            .group_by(Job.kind, Job.state)
        )
    }
    now = clock.now()
    oldest = session.scalar(
        select(func.min(Job.run_at)).where(Job.state == PENDING, Job.run_at <= now)
    )
    lag = max(0.0, (now - utc(oldest)).total_seconds()) if oldest is not None else 0.0
    return counts, lag
