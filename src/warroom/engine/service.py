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
- `cancel` cancels pending jobs matching every given filter and returns how many.
- Handlers are registered with `@warroom.engine.registry.handler("kind")`; see that module for
  the handler contract (at-least-once, idempotent, retries with back-off).
- Claiming (used by `warroom.engine.worker.Worker`): `FOR UPDATE SKIP LOCKED` with a lease on
  PostgreSQL; the same statement on SQLite, whose single writer makes it atomic. Jobs whose
  lease ran out (their worker died) are claimed again by any worker.
"""

from __future__ import annotations

import json
import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.clock import Clock, SystemClock, utc
from warroom.engine import lanes
from warroom.engine.models import CANCELLED, DONE, FAILED, PENDING, RUNNING, STATES, Job
from warroom.engine.wake import request_wake
from warroom.errors import Invalid, NotFound

__all__ = [
    "Job",
    "backoff",
    "cancel",
    "claim",
    "complete",
    "complete_many",
    "enqueue",
    "get_job",
    "list_jobs",
    "next_due",
    "postpone",
    "record_failure",
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
            with session.begin_nested():
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


def _due(now: datetime) -> Any:
    return or_(
        and_(Job.state == PENDING, Job.run_at <= now),
        and_(Job.state == RUNNING, Job.lease_until < now),
    )


def claim(
    session: Session,
    clock: Clock,
    worker: str,
    *,
    limit: int = 50,
    lease: timedelta,
    kinds: Collection[str] | None = None,
    exclude_kinds: Collection[str] | None = None,
) -> list[Job]:
    """Lease up to `limit` due jobs (and jobs whose lease ran out) to `worker`, oldest first;
    jobs of a paused lane wait for the pause to end (warroom.engine.lanes)."""
    now = clock.now()
    conditions = [_due(now), lanes.claimable(now)]
    if kinds is not None:
        conditions.append(Job.kind.in_(list(kinds)))
    if exclude_kinds:
        conditions.append(Job.kind.not_in(list(exclude_kinds)))
    # A CTE is evaluated once; as an IN (subquery) PostgreSQL may re-run the locking
    # subquery per row and hand out more than `limit` jobs.
    candidates = (
        select(Job.id)
        .where(*conditions)
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
    )
    claimed = session.scalars(
        update(Job)
        .where(Job.id == candidates.c.id, _due(now))
        .values(
            state=RUNNING,
            locked_by=worker,
            lease_until=now + lease,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return sorted(claimed, key=lambda j: (j.run_at, j.id))


def _mine(job_id: int, worker: str) -> Any:
    return and_(Job.id == job_id, Job.state == RUNNING, Job.locked_by == worker)


def complete(session: Session, clock: Clock, job_id: int, worker: str) -> bool:
    """Mark a job done if `worker` still holds it; False means another worker took it over."""
    now = clock.now()
    result = session.execute(
        update(Job)
        .where(_mine(job_id, worker))
        .values(state=DONE, finished_at=now, updated_at=now, locked_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def complete_many(session: Session, clock: Clock, job_ids: list[int], worker: str) -> set[int]:
    """Mark several jobs done; returns the ids `worker` still held (and so completed)."""
    now = clock.now()
    done = session.scalars(
        update(Job)
        .where(Job.id.in_(job_ids), Job.state == RUNNING, Job.locked_by == worker)
        .values(state=DONE, finished_at=now, updated_at=now, locked_by=None, lease_until=None)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return set(done)


def extend_leases(
    session: Session, clock: Clock, job_ids: list[int], worker: str, lease: timedelta
) -> datetime:
    """Push the lease of jobs `worker` holds to now + lease (a batch that takes long)."""
    until = clock.now() + lease
    session.execute(
        update(Job)
        .where(Job.id.in_(job_ids), Job.state == RUNNING, Job.locked_by == worker)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return until


def release(session: Session, clock: Clock, job_id: int, worker: str) -> bool:
    """Give an unstarted claimed job back (graceful shutdown); its attempt is not counted."""
    result = session.execute(
        update(Job)
        .where(_mine(job_id, worker))
        .values(
            state=PENDING,
            locked_by=None,
            lease_until=None,
            attempts=Job.attempts - 1,
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        request_wake(session)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def postpone(session: Session, clock: Clock, job_id: int, worker: str, *, after: timedelta) -> bool:
    """Put a claimed job back to pending at now + after without counting the attempt."""
    now = clock.now()
    result = session.execute(
        update(Job)
        .where(_mine(job_id, worker))
        .values(
            state=PENDING,
            locked_by=None,
            lease_until=None,
            attempts=Job.attempts - 1,
            run_at=now + after,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        request_wake(session)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def backoff(
    attempt: int, *, base: float = 5.0, maximum: float = 3600.0, rng: random.Random | None = None
) -> timedelta:
    """Delay before the next attempt after `attempt` failures: exponential, with jitter.

    The ceiling is base * 2**(attempt-1) capped at `maximum`; the delay is drawn uniformly
    from its upper half, so retries of many jobs that failed together spread out.
    """
    ceiling = min(base * (2 ** max(attempt - 1, 0)), maximum)
    draw = (rng or random).uniform(ceiling / 2, ceiling)
    return timedelta(seconds=draw)


@dataclass(frozen=True)
class FailureOutcome:
    state: str
    run_at: datetime | None


def record_failure(
    session: Session,
    clock: Clock,
    job_id: int,
    worker: str,
    error: str,
    *,
    retry_after: timedelta | None,
    permanent: bool = False,
) -> FailureOutcome | None:
    """After a failed attempt: back to pending at now + retry_after, or failed when spent."""
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.state != RUNNING or job.locked_by != worker:
        return None  # taken over meanwhile; the new holder decides
    now = clock.now()
    job.last_error = error[:4000]
    job.locked_by = None
    job.lease_until = None
    job.updated_at = now
    if permanent or retry_after is None or job.attempts >= job.max_attempts:
        job.state = FAILED
        job.finished_at = now
        return FailureOutcome(FAILED, None)
    job.state = PENDING
    job.run_at = now + retry_after
    request_wake(session)  # so that workers recompute when to wake next
    return FailureOutcome(PENDING, job.run_at)


def next_due(session: Session) -> datetime | None:
    """When the next job becomes claimable: the earliest pending run_at or running lease end."""
    pending = (
        select(Job.run_at).where(Job.state == PENDING).order_by(Job.run_at).limit(1)
    ).scalar_subquery()
    leased = (
        select(Job.lease_until).where(Job.state == RUNNING).order_by(Job.lease_until).limit(1)
    ).scalar_subquery()
    row = session.execute(select(pending, leased)).one()
    times = [utc(t) for t in row if t is not None]
    return min(times) if times else None


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
    now = clock.now()
    job.state, job.run_at, job.attempts, job.finished_at, job.updated_at = (
        PENDING,
        now,
        0,
        None,
        now,
    )
    session.flush()
    request_wake(session)
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
