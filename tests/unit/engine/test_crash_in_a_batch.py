"""A `batch=True` job that takes its worker process down with it (not an exception: the
process dies, its shared transaction with it) must not cost its batch-mates their attempts:
after a lost batch its jobs run alone, and only the job whose process died while it ran
alone pays. The death is simulated in-process by a BaseException that nothing in the worker
catches (as a SIGKILL, it leaves the claimed jobs `running` until their lease ends)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import DONE, FAILED, Job
from warroom.engine.registry import JobContext, register
from warroom.engine.worker import Worker
from warroom.settings import Settings

RAN: list[int] = []


class ProcessDied(BaseException):
    """What a worker process's death looks like from inside: nothing after it runs."""


def innocent(ctx: JobContext, job: Job) -> None:
    RAN.append(job.id)


def crasher(ctx: JobContext, job: Job) -> None:
    raise ProcessDied


def live(worker: Worker) -> None:
    """One worker process's life: until it has run everything due, or died."""
    with contextlib.suppress(ProcessDied):
        worker.run_once()


register("test.batch_innocent", innocent, batch=True)
register("test.batch_crasher", crasher, batch=True)


def test_a_job_that_kills_its_worker_costs_its_batch_mates_nothing(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    RAN.clear()
    with db.session() as session:
        mates = [engine.enqueue(session, clock, "test.batch_innocent", {}, max_attempts=3).id]
        crash = engine.enqueue(session, clock, "test.batch_crasher", {}, max_attempts=3).id
        mates += [
            engine.enqueue(session, clock, "test.batch_innocent", {}, max_attempts=3).id
            for _ in range(2)
        ]
    for life in range(8):  # a new worker process each time, the last one's leases run out
        live(Worker(db, clock, settings, f"process-{life}"))
        clock.advance(seconds=61)
    with db.session() as session:
        states = {job.id: (job.state, job.attempts) for job in session.query(Job)}
    assert {states[m][0] for m in mates} == {DONE}
    assert set(RAN) == set(mates)  # each ran (a batch that died with its process rolled back)
    assert states[crash][0] == FAILED
    assert all(states[m][1] <= 2 for m in mates), states


def test_a_lost_job_that_ran_alone_pays_its_attempt(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    with db.session() as session:
        crash = engine.enqueue(session, clock, "test.batch_crasher", {}, max_attempts=2).id
    lives = 0
    while lives < 10:
        with db.session() as session:
            job = session.get(Job, crash)
            assert job is not None
            if job.state == FAILED:
                break
        live(Worker(db, clock, settings, f"process-{lives}"))
        clock.advance(timedelta(seconds=61))
        lives += 1
    with db.session() as session:
        job = session.get(Job, crash)
        assert job is not None and job.state == FAILED
        assert "worker was lost" in (job.last_error or "")
    assert lives <= 4  # its first loss is forgiven at most, never forever
