"""Claimed jobs: what a worker does with the jobs it leases (see `warroom.engine.worker`).

- `claim` leases due jobs, and jobs whose lease ran out (their worker died), to one worker:
  `FOR UPDATE SKIP LOCKED` with a lease on PostgreSQL; the same statement on SQLite, whose
  single writer makes it atomic. Jobs of a paused lane wait (`warroom.engine.lanes`).
- `complete` / `complete_many` mark jobs done if the worker still holds them;
  `extend_leases` keeps a long batch's jobs; `release` gives an unstarted job back and
  `postpone` puts one back for later, neither counting the attempt.
- `record_failure` retries a failed attempt after `backoff` (or fails the job when spent);
  `next_due` is when the next job becomes claimable (the worker sleeps until then).

Re-exported by `warroom.engine.service`, the engine's public API.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Table, and_, bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from warroom.clock import Clock, utc
from warroom.engine import lanes
from warroom.engine.models import DONE, FAILED, PENDING, RUNNING, Job
from warroom.engine.wake import request_wake

__all__ = [
    "LOST",
    "LOST_ALONE",
    "FailureOutcome",
    "backoff",
    "claim",
    "complete",
    "complete_many",
    "extend_leases",
    "mark_alone",
    "next_due",
    "postpone",
    "record_failure",
    "release",
]


def _due(now: Any) -> Any:
    return or_(
        and_(Job.state == PENDING, Job.run_at <= now),
        and_(Job.state == RUNNING, Job.lease_until < now),
    )


# The error of a batch=True job claimed again after its worker was lost (its lease ran out),
# and of one running alone after that: such a job runs alone (`warroom.engine.batches`).
LOST = "lost: its worker stopped while it was held (the lease ran out); it runs alone now"
LOST_ALONE = "lost: its worker stopped while it ran alone (the lease ran out)"


def _shared_values() -> dict[str, Any]:
    """A batch=True job lost with its worker may have died for a batch-mate's sake (or waited
    behind the job that killed it): that lost attempt is not counted. Lost while it ran alone
    (`mark_alone`), it is."""
    forgiven = and_(Job.state == RUNNING, Job.last_error.is_distinct_from(LOST_ALONE))
    return {
        "attempts": case((forgiven, Job.attempts), else_=Job.attempts + 1),
        "last_error": case((Job.state == RUNNING, LOST), else_=Job.last_error),
    }


def mark_alone(session: Session, job_id: int, worker: str) -> None:
    """A lost batch=True job is about to run alone: if its worker dies now, it pays."""
    session.execute(
        update(Job)
        .where(_mine(job_id, worker))
        .values(last_error=LOST_ALONE)
        .execution_options(synchronize_session=False)
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
    shared: bool = False,
) -> list[Job]:
    """Lease up to `limit` due jobs (and jobs whose lease ran out) to `worker`, oldest first;
    jobs of a paused lane wait for the pause to end (warroom.engine.lanes).

    `shared`: batch=True jobs. One whose worker was lost (a batch-mate may have killed it)
    gets `last_error` LOST and runs alone; its lost attempt counts only if it ran alone."""
    now = clock.now()
    statement = _claim_statement(kinds is not None, bool(exclude_kinds), shared)
    params: dict[str, Any] = {
        "_now": now,
        "_limit": limit,
        "_worker": worker,
        "_lease_until": now + lease,
    }
    if kinds is not None:
        params["_kinds"] = list(kinds)
    if exclude_kinds:
        params["_excluded"] = list(exclude_kinds)
    claimed = session.scalars(statement, params)
    return sorted(claimed, key=lambda j: (j.run_at, j.id))


@functools.cache
def _claim_statement(by_kinds: bool, excluding: bool, shared: bool) -> Any:
    """The claim's UPDATE, built once per shape (building a statement costs more than running
    it; every worker pass claims several times): its values are bound parameters."""
    now: Any = bindparam("_now")
    conditions = [_due(now), lanes.claimable(now)]
    if by_kinds:
        conditions.append(Job.kind.in_(bindparam("_kinds", expanding=True)))
    if excluding:
        conditions.append(Job.kind.not_in(bindparam("_excluded", expanding=True)))
    # A CTE is evaluated once; as an IN (subquery) PostgreSQL may re-run the locking
    # subquery per row and hand out more than `limit` jobs.
    candidates = (
        select(Job.id)
        .where(*conditions)
        .order_by(Job.run_at, Job.id)
        .limit(bindparam("_limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("candidates")
    )
    return (
        update(Job)
        .where(Job.id == candidates.c.id, _due(now))
        .values(
            state=RUNNING,
            locked_by=bindparam("_worker"),
            lease_until=bindparam("_lease_until"),
            updated_at=now,
            **(_shared_values() if shared else {"attempts": Job.attempts + 1}),
        )
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


def _mine(job_id: int, worker: str) -> Any:
    return and_(Job.id == job_id, Job.state == RUNNING, Job.locked_by == worker)


_JOBS: Table = Job.__table__  # type: ignore[assignment]
# Built once (every job ends with one of these): the jobs `_worker` holds among `_ids`, done.
# A Core UPDATE of the table (no ORM objects are touched: the ORM's bulk UPDATE path cost as
# much as the statement itself, once per delivery and per chunk).
_COMPLETE = (
    update(_JOBS)
    .where(
        _JOBS.c.id.in_(bindparam("_ids", expanding=True)),
        _JOBS.c.state == RUNNING,
        _JOBS.c.locked_by == bindparam("_worker"),
    )
    .values(
        state=DONE,
        finished_at=bindparam("_now"),
        updated_at=bindparam("_now"),
        locked_by=None,
        lease_until=None,
    )
    .returning(_JOBS.c.id)
)


def complete(session: Session, clock: Clock, job_id: int, worker: str) -> bool:
    """Mark a job done if `worker` still holds it; False means another worker took it over."""
    return bool(complete_many(session, clock, [job_id], worker))


def complete_many(session: Session, clock: Clock, job_ids: list[int], worker: str) -> set[int]:
    """Mark several jobs done; returns the ids `worker` still held (and so completed)."""
    params = {"_ids": job_ids, "_worker": worker, "_now": clock.now()}
    session.flush()  # what the handlers left pending goes first, as an ORM UPDATE's autoflush did
    return set(session.connection().execute(_COMPLETE, params).scalars())


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


def next_due(
    session: Session,
    *,
    now: datetime | None = None,
    kinds: Collection[str] | None = None,
    exclude_kinds: Collection[str] | None = None,
) -> datetime | None:
    """When the next job (of these kinds) becomes claimable: the earliest pending run_at or
    running lease end. Given `now`, a job of a lane paused at `now` counts from the pause's
    end (the claim skips it until then), so a worker does not wake for it pass after pass."""
    only = []
    if kinds is not None:
        only.append(Job.kind.in_(list(kinds)))
    if exclude_kinds:
        only.append(Job.kind.not_in(list(exclude_kinds)))
    free = [lanes.claimable(now)] if now is not None else []
    pending = (
        select(Job.run_at).where(Job.state == PENDING, *only, *free).order_by(Job.run_at).limit(1)
    ).scalar_subquery()
    leased = (
        select(Job.lease_until)
        .where(Job.state == RUNNING, *only, *free)
        .order_by(Job.lease_until)
        .limit(1)
    ).scalar_subquery()
    columns: list[Any] = [pending, leased]
    if now is not None:  # a paused lane's jobs: when its pause ends
        columns.append(lanes.next_end(now, only))
    row = session.execute(select(*columns)).one()
    times = [utc(t) for t in row if t is not None]
    return min(times) if times else None
