"""Batch running: `batch=True` jobs, several in one transaction, for `warroom.engine.worker`.

A `@handler("kind", batch=True)` only touches the database through `ctx.session` (no outbound
call, no commit). The worker claims up to `WARROOM_ENGINE_BATCH_MAX` of them at a time, the
urgent kinds (paging) first, and runs them in shared transactions of at most
`WARROOM_ENGINE_BATCH_SECONDS` each (once they hold `WARROOM_ENGINE_BATCH_MIN` jobs, or
all that were claimed), with one commit that also marks them done. If one
handler raises, the transaction is rolled back and each job of it runs again alone (so the
failure is recorded against that job only). Jobs claimed again after their worker was lost
(a batch-mate may have killed the process) run alone, one transaction each; their lost
attempt is counted only when they were lost running alone. Between transactions the
deliveries they queued are handed to the worker's pool, and the leases of jobs still waiting
are renewed once half used up. These functions act on a `Worker` (its claims, pool and
single-job path).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from warroom.db import error_text, write_first
from warroom.engine import service
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, batchable_kinds, get_handler

if TYPE_CHECKING:
    from warroom.engine.worker import Worker

log = logging.getLogger("warroom.engine")
# How many of the jobs after the running one a handler of a shared transaction is shown
# (`JobContext.upcoming`), to read ahead for them.
AHEAD = 32


def claim_shared(worker: Worker, conn: Connection, limit: int) -> list[Job]:
    """Batch=True jobs: the urgent kinds (paging) first; the others when none is due."""
    shared = batchable_kinds()
    urgent = shared & worker.urgent
    group = worker._claim(conn, limit, urgent) if urgent else []
    if not group:
        group = worker._claim(conn, limit, shared - urgent)
    return group


def run_shared(worker: Worker, jobs: list[Job], conn: Connection) -> int:
    """Run batch=True jobs, several per transaction, handing due deliveries to the pool
    between transactions; returns how many ran or were handed over.

    A shared transaction may lock several incidents: it takes them by id (the lock order
    of docs/dev/engine.md), and one incident's jobs in the order they were queued.
    """
    jobs = sorted(jobs, key=lambda j: (j.incident_id or 0, j.id))
    # Lost with their worker (which of them killed it is unknown): each runs alone, the
    # fewest attempts first, so the one that kills its process again pays alone and its
    # batch-mates go ahead of it (warroom.engine.claims.LOST).
    lost = (service.LOST, service.LOST_ALONE)
    alone = sorted((j for j in jobs if j.last_error in lost), key=lambda j: (j.attempts, j.id))
    jobs = [j for j in jobs if j.last_error not in lost]
    for index, job in enumerate(alone):
        if worker.stop_event.is_set():
            worker._release(alone[index:] + jobs)
            return index
        keep_leases(worker, alone[index:] + jobs, conn)
        with worker.db.sessions(bind=conn) as session:
            service.mark_alone(session, job.id, worker.name)
            session.commit()
        worker.run_job(job, conn)
    ran, handed = 0, len(alone)
    while ran < len(jobs):
        if worker.stop_event.is_set():
            worker._release(jobs[ran:])
            break
        keep_leases(worker, jobs[ran:], conn)
        ran += run_chunk(worker, jobs[ran:], conn)
        if worker.pooled:  # the pages just planned go out now, not after the whole group
            handed += worker._hand_to_pool(conn, 1_000_000)
    return ran + handed


def keep_leases(worker: Worker, jobs: list[Job], conn: Connection) -> None:
    """Renew the leases of claimed jobs still waiting their turn once half is used up."""
    lease_until = jobs[0].lease_until
    if lease_until is None or lease_until - worker.clock.now() > worker.lease / 2:
        return
    with worker.db.sessions(bind=conn) as session:
        ids = [j.id for j in jobs]
        until = service.extend_leases(session, worker.clock, ids, worker.name, worker.lease)
        session.commit()
    for job in jobs:
        job.lease_until = until


def run_chunk(worker: Worker, jobs: list[Job], conn: Connection) -> int:
    """Run jobs in one transaction until `batch_seconds` pass (and it holds at least
    `batch_min` of them); returns how many it took.

    If any handler raises, nothing of the chunk is kept and each of its jobs runs again
    in its own transaction (so the failure is recorded against that job alone).
    """
    if jobs[0].attempts > jobs[0].max_attempts:
        worker.run_job(jobs[0], conn)  # fails it, on its own
        return 1
    session = worker.db.sessions(bind=conn)
    ctx = JobContext(
        session=session, clock=worker.clock, settings=worker.settings, worker=worker.name
    )
    budget = time.monotonic() + worker.options.batch_seconds
    # Under a flood each job takes longer (the CPU is shared): the time budget alone then cuts
    # chunks of a few jobs, each paying the reads, commit and hand-off that a chunk shares.
    least = max(1, worker.options.batch_min)
    chunk: list[Job] = []
    try:
        write_first(session)  # SQLite: no handler's read can go stale before its write
        for index, job in enumerate(jobs):
            if job.attempts > job.max_attempts or (
                len(chunk) >= least and time.monotonic() > budget
            ):
                break
            chunk.append(job)
            handler = get_handler(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            ctx.upcoming = jobs[index : index + AHEAD]
            handler(ctx, job)
        ids = [j.id for j in chunk]
        if service.complete_many(session, worker.clock, ids, worker.name) != set(ids):
            raise RuntimeError("a lease ran out during the batch")
        session.commit()
        for job_id in ids:
            worker.leases.drop(job_id)
    except Exception as exc:
        session.rollback()
        why = error_text(exc)  # a database error's SQL and values stay out of the log
        log.info("batch of %s jobs rolled back (%s); running them one by one", len(chunk), why)
        for job in chunk:
            worker.run_job(job, conn)
    finally:
        session.close()
    return len(chunk)
