"""The job queue on a FakeClock: claim, run, dedup, cancel, retry with back-off, leases."""

from __future__ import annotations

import random
import sqlite3
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service, wake
from warroom.engine.models import CANCELLED, DONE, FAILED, PENDING, RUNNING, Job
from warroom.engine.options import EngineOptions
from warroom.engine.registry import JobContext, PermanentFailure, Retry, handler, register_module
from warroom.engine.worker import Worker
from warroom.errors import Invalid
from warroom.settings import Settings

RAN: list[tuple[str, dict[str, Any]]] = []
FAIL_TIMES: dict[str, int] = {}


@handler("test.record")
def record(ctx: JobContext, job: Job) -> None:
    RAN.append((job.kind, dict(job.payload)))


@handler("test.flaky")
def flaky(ctx: JobContext, job: Job) -> None:
    """Fails the first FAIL_TIMES[name] attempts."""
    name = job.payload["name"]
    if FAIL_TIMES.get(name, 0) > 0:
        FAIL_TIMES[name] -= 1
        raise RuntimeError(f"{name} is down")
    RAN.append((job.kind, dict(job.payload)))


LOCKED_TIMES: dict[str, int] = {}


@handler("test.locked")
def locked(ctx: JobContext, job: Job) -> None:
    """Fails its first LOCKED_TIMES[name] attempts as SQLite does when a write finds the
    database locked (a transient error: nothing is wrong with the job)."""
    name = job.payload["name"]
    if LOCKED_TIMES.get(name, 0) > 0:
        LOCKED_TIMES[name] -= 1
        orig = sqlite3.OperationalError("database is locked")
        raise OperationalError("INSERT INTO somewhere", {}, orig)
    RAN.append((job.kind, dict(job.payload)))


@handler("test.retry_later")
def retry_later(ctx: JobContext, job: Job) -> None:
    raise Retry("not yet", after=timedelta(minutes=7))


@handler("test.permanent")
def permanent(ctx: JobContext, job: Job) -> None:
    raise PermanentFailure("cannot ever work")


@handler("test.chain")
def chain(ctx: JobContext, job: Job) -> None:
    """Enqueues a follow-up due now, then optionally fails (which must undo the follow-up)."""
    RAN.append((job.kind, dict(job.payload)))
    ctx.enqueue("test.record", {"after": job.id})
    if job.payload.get("fail"):
        raise RuntimeError("after the follow-up")


@handler("test.batch_write", batch=True)
def batch_write(ctx: JobContext, job: Job) -> None:
    """Writes a follow-up far in the future; fails when asked to."""
    RAN.append((job.kind, dict(job.payload)))
    ctx.enqueue(
        "test.record", {"from": job.payload["n"]}, run_at=ctx.clock.now() + timedelta(days=1)
    )
    if job.payload.get("fail"):
        raise RuntimeError("batch member fails")


INTRUDER: list[str] = []


@handler("test.read_then_write", batch=True)
def read_then_write(ctx: JobContext, job: Job) -> None:
    """Leaves a result unread (a read snapshot stays open on SQLite), lets another connection
    try to commit a write at once, then writes."""
    rows = ctx.session.execute(select(Job.id))  # two rows at least: one stays unread
    assert rows.fetchone() is not None
    url = ctx.session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database or "", timeout=0)
        try:
            other.execute(
                "INSERT INTO engine_lane_pauses (lane, until, reason, updated_at) "
                "VALUES (?, '2026-01-01 00:00:00', '', '2026-01-01 00:00:00')",
                (f"intruder-{len(INTRUDER)}",),
            )
            other.commit()
            INTRUDER.append("committed")
        except sqlite3.OperationalError as exc:
            INTRUDER.append(str(exc))
        finally:
            other.close()
    later = ctx.clock.now() + timedelta(days=1)
    ctx.enqueue("test.record", {"from": job.payload["n"]}, run_at=later)


STOLEN: list[int] = []


@handler("test.slow")
def slow(ctx: JobContext, job: Job) -> None:
    """Takes 40 s of (fake) time; meanwhile another worker tries to claim."""
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(seconds=40)
    with Session(ctx.session.get_bind()) as other:
        stolen = service.claim(other, ctx.clock, "thief", limit=10, lease=timedelta(minutes=1))
        STOLEN.extend(j.id for j in stolen)
        other.rollback()
    RAN.append((job.kind, dict(job.payload)))


OPTIONS = EngineOptions(lease_seconds=60, backoff_base_seconds=10, backoff_max_seconds=600)


@pytest.fixture(autouse=True)
def _reset() -> None:
    RAN.clear()
    FAIL_TIMES.clear()
    LOCKED_TIMES.clear()
    STOLEN.clear()
    INTRUDER.clear()


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "w1", options=OPTIONS)


def _job(db: Database, job_id: int) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _enqueue(db: Database, clock: FakeClock, kind: str, payload: dict[str, Any], **kw: Any) -> int:
    with db.session() as session:
        return service.enqueue(session, clock, kind, payload, **kw).id


def test_a_due_job_runs_once_and_is_done(db: Database, clock: FakeClock, worker: Worker) -> None:
    job_id = _enqueue(db, clock, "test.record", {"n": 1})
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    assert RAN == [("test.record", {"n": 1})]
    job = _job(db, job_id)
    assert (job.state, job.attempts, job.locked_by, job.finished_at) == (DONE, 1, None, clock.now())


def test_a_future_job_waits_for_its_time(db: Database, clock: FakeClock, worker: Worker) -> None:
    _enqueue(db, clock, "test.record", {"n": 1}, run_at=clock.now() + timedelta(minutes=5))
    clock.advance(minutes=4, seconds=59)
    assert worker.run_once() == 0
    clock.advance(seconds=1)
    assert worker.run_once() == 1


def test_jobs_run_in_due_order(db: Database, clock: FakeClock, worker: Worker) -> None:
    for n, minutes in ((1, 3), (2, 1), (3, 2)):
        _enqueue(
            db, clock, "test.record", {"n": n}, run_at=clock.now() + timedelta(minutes=minutes)
        )
    clock.advance(minutes=3)
    assert worker.run_once() == 3
    assert [p["n"] for _, p in RAN] == [2, 3, 1]


def test_follow_ups_due_now_run_in_the_same_pass(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    first = _enqueue(db, clock, "test.chain", {})
    assert worker.run_once() == 2
    assert [("test.chain", {}), ("test.record", {"after": first})] == RAN


def test_a_failing_handler_leaves_no_writes_behind(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    _enqueue(db, clock, "test.chain", {"fail": True}, max_attempts=1)
    assert worker.run_once() == 1
    with db.session() as session:
        kinds = session.scalars(select(Job.kind)).all()
    assert kinds == ["test.chain"]  # the follow-up rolled back with the failed attempt


def test_dedup_key_pending_is_a_no_op(db: Database, clock: FakeClock, worker: Worker) -> None:
    with db.session() as session:
        first = service.enqueue(session, clock, "test.record", {"n": 1}, dedup_key="k")
        again = service.enqueue(session, clock, "test.record", {"n": 2}, dedup_key="k")
        assert again.id == first.id
    assert _enqueue(db, clock, "test.record", {"n": 3}, dedup_key="k") == first.id
    assert worker.run_once() == 1
    # Once it ran, the key is free again.
    assert _enqueue(db, clock, "test.record", {"n": 4}, dedup_key="k") != first.id
    assert worker.run_once() == 1
    assert [p["n"] for _, p in RAN] == [1, 4]


def test_cancel_by_key_incident_and_kind_prefix(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    later = clock.now() + timedelta(minutes=1)
    _enqueue(db, clock, "test.record", {"n": 1}, dedup_key="a", run_at=later)
    _enqueue(db, clock, "test.record", {"n": 2}, incident_id=7, run_at=later)
    _enqueue(db, clock, "test.flaky", {"name": "x"}, incident_id=7, run_at=later)
    _enqueue(db, clock, "test.record", {"n": 4}, incident_id=8, run_at=later)
    with db.session() as session:
        assert service.cancel(session, dedup_key="a") == 1
        assert service.cancel(session, dedup_key="a") == 0
        assert service.cancel(session, incident_id=7, kind_prefix="test.fl") == 1
        assert service.cancel(session, incident_id=7, clock=clock) == 1
        with pytest.raises(Invalid):
            service.cancel(session)
    clock.advance(minutes=1)
    assert worker.run_once() == 1
    assert RAN == [("test.record", {"n": 4})]
    with db.session() as session:
        states = session.scalars(select(Job.state).order_by(Job.id)).all()
    assert states == [CANCELLED, CANCELLED, CANCELLED, DONE]


def test_kind_prefix_is_literal(db: Database, clock: FakeClock) -> None:
    _enqueue(db, clock, "test.record", {}, run_at=clock.now() + timedelta(hours=1))
    with db.session() as session:
        assert service.cancel(session, kind_prefix="test_") == 0  # "_" is not a wildcard
        assert service.cancel(session, kind_prefix="test.") == 1


def test_failure_retries_with_backoff_then_succeeds(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    FAIL_TIMES["api"] = 2
    job_id = _enqueue(db, clock, "test.flaky", {"name": "api"})
    assert worker.run_once() == 1
    job = _job(db, job_id)
    assert (job.state, job.attempts) == (PENDING, 1)
    assert "api is down" in (job.last_error or "")
    first_delay = job.run_at - clock.now()
    assert timedelta(seconds=5) <= first_delay <= timedelta(seconds=10)
    clock.set(job.run_at - timedelta(milliseconds=1))
    assert worker.run_once() == 0
    clock.set(job.run_at)
    assert worker.run_once() == 1
    job = _job(db, job_id)
    second_delay = job.run_at - clock.now()
    assert timedelta(seconds=10) <= second_delay <= timedelta(seconds=20)
    clock.set(job.run_at)
    assert worker.run_once() == 1
    job = _job(db, job_id)
    assert (job.state, job.attempts) == (DONE, 3)
    assert RAN == [("test.flaky", {"name": "api"})]


def test_a_transient_database_error_retries_at_once_then_backs_off(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    """A lost lock race is no reason to wait the handler back-off: the job runs again in the
    same pass; only a third transient failure in a row waits."""
    LOCKED_TIMES["once"] = 1
    once = _enqueue(db, clock, "test.locked", {"name": "once"})
    worker.run_once()
    job = _job(db, once)
    assert (job.state, job.attempts) == (DONE, 2)
    assert RAN == [("test.locked", {"name": "once"})]

    LOCKED_TIMES["stuck"] = 3
    stuck = _enqueue(db, clock, "test.locked", {"name": "stuck"})
    worker.run_once()
    job = _job(db, stuck)
    assert (job.state, job.attempts) == (PENDING, 3)
    assert "locked" in (job.last_error or "")
    assert timedelta(seconds=10) <= job.run_at - clock.now()  # the back-off, from now on
    clock.set(job.run_at)
    worker.run_once()
    assert _job(db, stuck).state == DONE


def test_failed_after_max_attempts_and_visible(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    FAIL_TIMES["db"] = 99
    job_id = _enqueue(db, clock, "test.flaky", {"name": "db"}, max_attempts=3)
    for _ in range(3):
        assert worker.run_once() == 1
        clock.advance(hours=1)
    assert worker.run_once() == 0
    job = _job(db, job_id)
    assert (job.state, job.attempts, job.finished_at is not None) == (FAILED, 3, True)
    with db.session() as session:
        assert [j.id for j in service.list_jobs(session, state=FAILED)] == [job_id]
        again = service.retry_job(session, clock, job_id)
        assert (again.state, again.attempts) == (PENDING, 0)


def test_retry_and_permanent_failure(db: Database, clock: FakeClock, worker: Worker) -> None:
    later = _enqueue(db, clock, "test.retry_later", {})
    never = _enqueue(db, clock, "test.permanent", {})
    assert worker.run_once() == 2
    assert _job(db, later).run_at == clock.now() + timedelta(minutes=7)
    job = _job(db, never)
    assert (job.state, job.attempts) == (FAILED, 1)
    assert "cannot ever work" in (job.last_error or "")


def test_unknown_kind_is_retried_not_dropped(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    job_id = _enqueue(db, clock, "test.nobody_handles_this", {})
    assert worker.run_once() == 1
    job = _job(db, job_id)
    assert job.state == PENDING
    assert "no handler" in (job.last_error or "")


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    for attempt, ceiling in ((1, 5), (2, 10), (3, 20), (4, 40), (12, 3600)):
        for _ in range(50):
            delay = service.backoff(attempt, base=5, maximum=3600, rng=rng).total_seconds()
            assert ceiling / 2 <= delay <= ceiling
    draws = {service.backoff(5, rng=rng) for _ in range(20)}
    assert len(draws) > 1  # jitter spreads retries of jobs that failed together


def test_dead_workers_lease_is_taken_over(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    job_id = _enqueue(db, clock, "test.record", {"n": 1})
    lease = timedelta(seconds=OPTIONS.lease_seconds)
    with db.session() as session:  # worker "dead" claims the job, then is killed
        claimed = service.claim(session, clock, "dead", limit=10, lease=lease)
    assert [j.id for j in claimed] == [job_id]
    survivor = Worker(db, clock, settings, "survivor", options=OPTIONS)
    assert survivor.run_once() == 0  # the lease still holds
    clock.advance(seconds=OPTIONS.lease_seconds + 1)
    assert survivor.run_once() == 1
    job = _job(db, job_id)
    assert (job.state, job.attempts) == (DONE, 2)
    with db.session() as session:  # the dead worker's late completion is refused
        assert service.complete(session, clock, job_id, "dead") is False
    assert RAN == [("test.record", {"n": 1})]


def test_a_job_lost_on_its_last_attempt_fails(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    job_id = _enqueue(db, clock, "test.record", {}, max_attempts=1)
    lease = timedelta(seconds=OPTIONS.lease_seconds)
    with db.session() as session:
        service.claim(session, clock, "dead", limit=10, lease=lease)
    clock.advance(seconds=OPTIONS.lease_seconds + 1)
    assert Worker(db, clock, settings, "w2", options=OPTIONS).run_once() == 1
    job = _job(db, job_id)
    assert job.state == FAILED
    assert "worker was lost" in (job.last_error or "")
    assert RAN == []


def test_stopping_gives_back_claimed_jobs(db: Database, clock: FakeClock, worker: Worker) -> None:
    ids = [_enqueue(db, clock, "test.record", {"n": n}) for n in range(3)]
    worker.stop()
    assert worker.run_once() == 0
    with db.session() as session:
        states = session.scalars(select(Job.state).where(Job.id.in_(ids))).all()
    assert set(states) == {PENDING}


def test_next_due_and_lag(db: Database, clock: FakeClock, worker: Worker) -> None:
    with db.session() as session:
        assert service.next_due(session) is None
    _enqueue(db, clock, "test.record", {}, run_at=clock.now() + timedelta(seconds=30))
    assert worker.seconds_until_due() == pytest.approx(OPTIONS.poll_seconds)
    fast = Worker(db, clock, worker.settings, "w", options=EngineOptions(poll_seconds=60))
    assert fast.seconds_until_due() == pytest.approx(30)
    clock.advance(seconds=45)
    with db.session() as session:
        counts, lag = service.queue_stats(session, clock)
    assert counts == {("test.record", PENDING): 1}
    assert lag == pytest.approx(15)


def test_commit_wakes_workers_and_rollback_does_not(db: Database, clock: FakeClock) -> None:
    event = wake.subscribe()
    try:
        session = db.sessions()
        service.enqueue(session, clock, "test.record", {})
        assert not event.is_set()
        session.rollback()
        assert not event.is_set()
        service.enqueue(session, clock, "test.record", {})
        session.commit()
        assert event.is_set()
        session.close()
    finally:
        wake.unsubscribe(event)


def test_bad_input_is_refused(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        with pytest.raises(Invalid) as err:
            service.enqueue(session, clock, "", {})
        assert err.value.field == "kind"
        with pytest.raises(Invalid) as err:
            service.enqueue(session, clock, "test.record", {"when": clock})
        assert err.value.field == "payload"
        with pytest.raises(Invalid) as err:
            service.enqueue(session, clock, "test.record", {}, max_attempts=0)
        assert err.value.field == "max_attempts"


def test_claims_skip_rows_locked_by_another_worker(pg_db: Database, clock: FakeClock) -> None:
    # SKIP LOCKED is PostgreSQL's; SQLite has a single writer and needs no such test.
    db = pg_db
    ids = {_enqueue(db, clock, "test.record", {"n": n}) for n in range(6)}
    lease = timedelta(minutes=1)
    first = db.sessions()
    second = db.sessions()
    try:
        mine = service.claim(first, clock, "a", limit=3, lease=lease)  # not committed yet
        theirs = service.claim(second, clock, "b", limit=10, lease=lease)
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    assert len(mine) == 3
    assert {j.id for j in mine}.isdisjoint({j.id for j in theirs})
    assert {j.id for j in mine} | {j.id for j in theirs} == ids
    assert {j.state for j in [*mine, *theirs]} == {RUNNING}


def _follow_ups(db: Database) -> list[int]:
    with db.session() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "test.record"))
        return sorted(j.payload["from"] for j in jobs)


def test_batchable_jobs_share_one_transaction(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    ids = [_enqueue(db, clock, "test.batch_write", {"n": n}) for n in range(5)]
    assert worker.run_once() == 5
    assert len(RAN) == 5
    assert _follow_ups(db) == [0, 1, 2, 3, 4]
    assert {_job(db, i).state for i in ids} == {DONE}


def test_a_failure_in_a_batch_reruns_each_job_alone(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    ids = [_enqueue(db, clock, "test.batch_write", {"n": n, "fail": n == 2}) for n in range(4)]
    assert worker.run_once() == 4
    assert _follow_ups(db) == [0, 1, 3]  # the rolled-back batch left nothing behind
    assert [_job(db, i).state for i in ids] == [DONE, DONE, PENDING, DONE]
    assert "batch member fails" in (_job(db, ids[2]).last_error or "")


def test_a_batch_holds_sqlites_write_lock_before_it_reads(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    """A database-only job takes SQLite's write lock before it reads: another writer waits
    for the batch (here, with no busy timeout, it is refused), so a read left open cannot go
    stale and fail the job's first write with "database is locked" (seen in CI: a
    comms.announce job failed so, and ran only after its back-off)."""
    ids = [_enqueue(db, clock, "test.read_then_write", {"n": n}) for n in range(2)]
    assert worker.run_once() == 2
    assert [_job(db, i).state for i in ids] == [DONE, DONE]
    assert [_job(db, i).attempts for i in ids] == [1, 1]
    assert _follow_ups(db) == [0, 1]
    if db.dialect == "sqlite":
        assert INTRUDER == ["database is locked"] * 2


def test_leases_of_a_long_batch_are_renewed(
    sqlite_db: Database, clock: FakeClock, tmp_path: Any
) -> None:
    settings = Settings(database_url=sqlite_db.url, data_dir=tmp_path)
    ids = [_enqueue(sqlite_db, clock, "test.slow", {"n": n}) for n in range(4)]
    worker = Worker(sqlite_db, clock, settings, "slowpoke", options=OPTIONS)
    assert worker.run_once() == 4  # 160 s of work on 60 s leases
    assert STOLEN == []
    assert [(_job(sqlite_db, i).state, _job(sqlite_db, i).attempts) for i in ids] == [(DONE, 1)] * 4


def test_prune_deletes_old_finished_jobs_and_keeps_failures(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    FAIL_TIMES["x"] = 99
    done = _enqueue(db, clock, "test.record", {})
    failed = _enqueue(db, clock, "test.flaky", {"name": "x"}, max_attempts=1)
    worker.run_once()
    clock.advance(days=8)
    recent = _enqueue(db, clock, "test.record", {})
    worker.run_once()
    with db.session() as session:
        assert service.prune(session, clock, older_than=timedelta(days=7)) == 1
        left = set(session.scalars(select(Job.id)))
    assert done not in left
    assert {failed, recent} <= left


def test_stats_count_active_states_only(db: Database, clock: FakeClock, worker: Worker) -> None:
    _enqueue(db, clock, "test.record", {})
    worker.run_once()
    _enqueue(db, clock, "test.record", {}, run_at=clock.now() + timedelta(hours=1))
    with db.session() as session:
        counts, lag = service.queue_stats(session, clock)
        everything, _ = service.queue_stats(session, clock, states=(PENDING, DONE))
    assert (counts, lag) == ({("test.record", PENDING): 1}, 0.0)
    assert everything == {("test.record", PENDING): 1, ("test.record", DONE): 1}


# The test handlers above, registered as the composition root registers domain modules.
register_module(sys.modules[__name__])
