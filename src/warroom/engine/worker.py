"""The worker: claims due jobs and runs their handlers.

    worker = Worker(db, clock, settings, name="w1")
    worker.run_once()            # tests: run everything due on the (fake) clock, no sleeping
    worker.run_forever(stop)     # processes: until `stop` is set

`run_forever` sleeps until the earliest of: a commit that enqueued work (in-process event or
PostgreSQL NOTIFY), the moment the next job becomes due, and the poll interval (the safety net).
`warroom serve` runs one embedded worker thread (see `warroom.engine.api.setup`);
`warroom worker` runs one per process (split deployment on PostgreSQL).

Three kinds of jobs: `batch=True` ones run several per transaction (`warroom.engine.batches`);
pooled kinds (deliveries) run on the worker's thread pool (`warroom.engine.concurrency`); every
other kind runs alone, one transaction each (`run_job`), one job at a time in the order due:
in `run_forever` on a thread of their own (`serial`), so that a slow one (an action's command,
an export to a tracker) holds up no page; in `run_once` (tests) on the calling thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Connection

from warroom.clock import Clock
from warroom.db import Database, write_first
from warroom.engine import batches, failures, service, wake
from warroom.engine.concurrency import HandlerPool, LeaseKeeper
from warroom.engine.models import Job
from warroom.engine.options import EngineOptions
from warroom.engine.registry import JobContext, Postpone, batchable_kinds, get_handler
from warroom.settings import Settings

log = logging.getLogger("warroom.engine")


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Runs jobs from the database; several may run at once, in one or many processes."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        name: str | None = None,
        *,
        options: EngineOptions | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.name = name or default_name()
        self.options = options or EngineOptions()
        self.lease = timedelta(seconds=self.options.lease_seconds)
        self.stop_event = threading.Event()
        # Set while run_forever sleeps (tests wait on it to know the worker is idle).
        self.sleeping = threading.Event()
        # When the next job becomes due, as seen at the end of the last pass.
        self.next_due_at: datetime | None = None
        self._quiet_until = 0.0
        self.leases = LeaseKeeper(
            db, clock, self.name, self.lease, limit=self.options.max_run, on_overrun=self._hung
        )
        self.pooled = self.options.pooled_kinds()
        self.urgent = self.options.urgent()
        self._wake: threading.Event = threading.Event()
        self.pool = HandlerPool(self.options.threads, self._run_pooled, self._wake_up)
        self.serial = HandlerPool(1, self._run_pooled, self._wake_up, name="warroom-serial")

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self, *, max_jobs: int = 1_000_000, wait: bool = True) -> int:
        """Claim and run every job due now (including follow-ups due now); returns the count.

        Pooled kinds (deliveries) run on the pool. With `wait` (tests), the pass ends only
        when they have finished; without (run_forever), it hands them over and returns.
        """
        ran = 0
        shared = batchable_kinds()
        # Without `wait` (run_forever), a claim that found nothing is not made again in this
        # pass: a job queued meanwhile wakes the loop (its commit, NOTIFY), and one that
        # becomes due is seen by the next_due below, so the next pass, right after, takes it.
        # Under a burst, each delivery that ends wakes the loop to hand the pool another, and
        # the empty claims of batch and serial jobs were most of that pass's statements.
        none_shared = none_serial = False
        with self._connection() as conn:
            while ran < max_jobs and not self.stop_event.is_set():
                finished, claimed = self.pool.finished, 0
                if shared and not none_shared:
                    limit = min(self.options.batch_max, max_jobs - ran)
                    group = batches.claim_shared(self, conn, limit)
                    claimed += len(group)
                    none_shared = not group and not wait
                    ran += batches.run_shared(self, group, conn)
                if self.pooled and ran < max_jobs and not self.stop_event.is_set():
                    handed = self._hand_to_pool(conn, max_jobs - ran)
                    claimed += handed
                    ran += handed
                if ran < max_jobs and not self.stop_event.is_set() and not wait:
                    handed = 0 if none_serial else self._hand_to_serial(conn)
                    none_serial = not handed and self.serial.free() > 0
                    claimed += handed
                    ran += handed
                elif ran < max_jobs and not self.stop_event.is_set():
                    singles = self._claim(conn, min(self.options.batch, max_jobs - ran), None)
                    claimed += len(singles)
                    ran += self._run_singles(singles, conn)
                if not claimed:
                    if wait and self.pool.busy():
                        self.pool.wait_for_one(timeout=1.0)  # its follow-ups may be due now
                        continue
                    if wait and self.pool.finished != finished:
                        continue  # one ended after this round's claims: its follow-ups too
                    break
            with self.db.sessions(bind=conn) as session:
                self.next_due_at = service.next_due(
                    session, now=self.clock.now(), **self._claimable_kinds()
                )
        return ran

    def _hand_to_serial(self, conn: Connection) -> int:
        """Run-forever: the next single-transaction job goes to the serial thread, if free."""
        if self.serial.free() <= 0:
            return 0
        jobs = self._claim(conn, 1, None)
        for job in jobs:
            self.serial.submit(job)
        return len(jobs)

    def _claimable_kinds(self) -> dict[str, frozenset[str] | None]:
        """The kinds this worker could start now; those of a busy thread wait for its end
        (which wakes the loop), so a due job it cannot take does not spin the loop."""
        pooled_free, serial_free = self.pool.free() > 0, self.serial.free() > 0
        if serial_free:
            return {"kinds": None, "exclude_kinds": None if pooled_free else self.pooled}
        taken = batchable_kinds() | (self.pooled if pooled_free else frozenset())
        return {"kinds": taken, "exclude_kinds": None}

    def _hand_to_pool(self, conn: Connection, limit: int) -> int:
        free = min(self.pool.free(), limit)
        if free <= 0:
            return 0
        jobs = self._claim(conn, free, None, kinds=self.pooled)
        for job in jobs:
            self.pool.submit(job)
        return len(jobs)

    def _run_pooled(self, job: Job) -> None:
        self.run_job(job)

    def _wake_up(self) -> None:
        self._wake.set()

    def _hung(self, job_id: int) -> None:
        """A job ran past its maximum run time: its thread is left to itself (its result will
        be dropped) and the worker takes on other work, the job too once its lease ends."""
        if not self.pool.disown(job_id) and not self.serial.disown(job_id):
            self._wake_up()  # it runs on the loop's thread: nothing to replace

    def _claim(
        self,
        conn: Connection,
        limit: int,
        shared: frozenset[str] | None,
        *,
        kinds: frozenset[str] | None = None,
    ) -> list[Job]:
        """Claim batch=True jobs (shared given), pooled `kinds`, or every other kind."""
        wanted = shared if shared is not None else kinds
        excluded = None if wanted is not None else batchable_kinds() | self.pooled
        with self.db.sessions(bind=conn) as session:
            jobs = service.claim(
                session,
                self.clock,
                self.name,
                limit=limit,
                lease=self.lease,
                kinds=wanted,
                exclude_kinds=excluded,
                shared=shared is not None,
            )
            session.commit()
        if jobs:
            self.leases.hold(jobs)
            self._warn_if_behind(jobs[0])
        return jobs

    def _warn_if_behind(self, oldest: Job) -> None:
        late = (self.clock.now() - oldest.run_at).total_seconds()
        if late > self.options.behind_warning_seconds and time.monotonic() > self._quiet_until:
            self._quiet_until = time.monotonic() + 60
            log.warning(
                "engine is behind: a %s job started %.0fs after it was due", oldest.kind, late
            )

    def _run_singles(self, jobs: list[Job], conn: Connection) -> int:
        for index, job in enumerate(jobs):
            if self.stop_event.is_set():
                self._release(jobs[index:])
                return index
            batches.keep_leases(self, jobs[index:], conn)
            self.run_job(job, conn)
        return len(jobs)

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """One connection for a whole pass: no pool check-out (and pre-ping) per job."""
        with self.db.engine.connect() as conn:
            relaxed = conn.dialect.name == "postgresql" and self.options.async_commit
            if relaxed:
                # Safe for the engine's own transactions: losing the last few commits in a
                # PostgreSQL crash only means those jobs run again (at least once), and a
                # handler's writes are lost together with its job's completion.
                conn.exec_driver_sql("SET synchronous_commit TO off")
                conn.commit()
            try:
                yield conn
            finally:
                if relaxed and not conn.invalidated:
                    conn.rollback()
                    conn.exec_driver_sql("RESET synchronous_commit")
                    conn.commit()

    def run_job(self, job: Job, conn: Connection | None = None) -> None:
        """Run one claimed job: handler and completion commit together; failures retry."""
        session = self.db.sessions(bind=conn) if conn is not None else self.db.sessions()
        ctx = JobContext(
            session=session, clock=self.clock, settings=self.settings, worker=self.name
        )

        def complete_now() -> bool:  # JobContext.complete_now: as below, before it returns
            if self.leases.overran(job):
                return False
            if not service.complete(session, self.clock, job.id, self.name):
                return False
            session.commit()
            return True

        ctx.completer = complete_now
        try:
            if job.attempts > job.max_attempts:
                failures.abandon(ctx, job)
            handler = get_handler(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            if job.kind in batchable_kinds():  # database only: as in a shared transaction
                write_first(session)
            handler(ctx, job)
            if ctx.completed:
                pass  # done and committed by the handler (JobContext.complete_now)
            elif self.leases.overran(job):
                session.rollback()
                log.warning("job %s returned after it was given up as hung; result dropped", job.id)
            elif service.complete(session, self.clock, job.id, self.name):
                session.commit()
            else:
                session.rollback()
                log.warning("job %s was taken over by another worker; result dropped", job.id)
        except Postpone as exc:
            session.rollback()
            if not self.leases.overran(job):
                with self.db.session() as again:
                    service.postpone(again, self.clock, job.id, self.name, after=exc.after)
        except Exception as exc:
            session.rollback()
            if not self.leases.overran(job):
                failures.record(self, job, exc)
        finally:
            session.close()
            self.leases.drop(job.id, job.attempts)

    def _release(self, jobs: list[Job]) -> None:
        with self.db.session() as session:
            for job in jobs:
                service.release(session, self.clock, job.id, self.name)
        for job in jobs:
            self.leases.drop(job.id)

    # -- forever ----------------------------------------------------------------------------

    def seconds_until_due(self, *, fresh: bool = True) -> float:
        """How long to sleep: until the next job is due, at most the poll interval."""
        if fresh:
            with self.db.session() as session:
                self.next_due_at = service.next_due(session, now=self.clock.now())
        when = self.next_due_at
        poll = self.options.poll_seconds
        if when is None:
            return poll
        return max(0.0, min(poll, (when - self.clock.now()).total_seconds()))

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Run jobs until `stop` (or self.stop_event) is set; survives database outages."""
        if stop is not None:
            self.stop_event = stop
        event = wake.subscribe()
        listener = None
        if self.db.dialect == "postgresql":
            listener = wake.PgListener(self.db.url, event.set, self.stop_event)
            listener.start()
        log.info("worker %s started (poll every %ss)", self.name, self.options.poll_seconds)
        self._schedule_maintenance()
        self._wake = event  # a pooled job that finishes wakes the loop (a slot is free)
        self.leases.start()
        try:
            while not self.stop_event.is_set():
                event.clear()
                try:
                    self.run_once(wait=False)
                    # Due jobs of a busy thread's kinds are left out: its end wakes us.
                    timeout = self.seconds_until_due(fresh=False)
                except Exception:
                    log.exception("worker %s: engine pass failed; retrying", self.name)
                    timeout = min(self.options.poll_seconds, 2.0)
                self._sleep(event, timeout)
        finally:
            self.pool.shutdown()  # the jobs in hand finish (their sends have timeouts)
            self.serial.shutdown()
            self.leases.stop()
            wake.unsubscribe(event)
            if listener is not None:
                listener.join(timeout=3)
            log.info("worker %s stopped", self.name)

    def _schedule_maintenance(self) -> None:
        from warroom.engine.maintenance import schedule_prune

        try:
            with self.db.session() as session:
                schedule_prune(session, self.clock)
        except Exception:  # not fatal: the next worker start tries again
            log.exception("could not schedule the engine's maintenance job")

    def _sleep(self, event: threading.Event, timeout: float) -> None:
        # Wait on the wake event in short slices so that a stop request is seen quickly.
        deadline = time.monotonic() + timeout
        self.sleeping.set()
        try:
            while not self.stop_event.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or event.wait(min(remaining, 0.25)):
                    return
        finally:
            self.sleeping.clear()

    def stop(self) -> None:
        self.stop_event.set()
