"""What lets one worker run slow jobs side by side and keep its leases while they run.

- `HandlerPool`: a bounded thread pool for job kinds that call out (`notify.deliver`): the
  worker hands those jobs to it and goes on claiming, so one slow destination holds one
  thread, not the whole worker. Each finished job calls `on_done` (the worker's wake-up).
- `LeaseKeeper`: the ids of the jobs a worker holds, and a heartbeat thread that pushes their
  leases forward every lease/3 while they run, so a slow handler is not taken over (and run a
  second time) by another worker; up to its kind's maximum run time, past which it is hung:
  reported, its lease left to run out, and its thread disowned (`HandlerPool.disown`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from warroom.clock import Clock
from warroom.db import Database
from warroom.engine import service
from warroom.engine.models import Job

log = logging.getLogger("warroom.engine")


class HandlerPool:
    """Runs jobs on up to `size` threads; `free()` says how many more it takes now.

    Its threads are daemons: a handler that never returns (`disown`) neither holds a slot
    (another thread takes its place) nor keeps the process from exiting.
    """

    def __init__(
        self,
        size: int,
        run: Callable[[Job], None],
        on_done: Callable[[], None],
        *,
        name: str = "warroom-job",
    ) -> None:
        self.size = max(1, size)
        self._name = name
        self._run = run
        self._on_done = on_done
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # a job queued, or closing
        self._changed = threading.Condition(self._lock)  # a job ended or was disowned
        self._queue: deque[Job] = deque()
        self._idle = 0  # threads waiting for a job (and not yet woken for one)
        self._threads: set[threading.Thread] = set()
        self._running: dict[int, threading.Thread] = {}
        self._disowned: set[threading.Thread] = set()
        self._closed = False
        self._busy = 0
        self.finished = 0  # jobs it has run to the end, ever (a pass compares before/after)

    def free(self) -> int:
        with self._lock:
            return self.size - self._busy

    def busy(self) -> int:
        with self._lock:
            return self._busy

    def submit(self, job: Job) -> None:
        with self._lock:
            self._closed = False
            self._busy += 1
            self._queue.append(job)
            if self._idle:
                self._idle -= 1
                self._work.notify()
                return
            thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
            self._threads.add(thread)
        thread.start()

    def disown(self, job_id: int) -> bool:
        """Give up waiting for a job that runs too long: its slot is free again, and its
        thread, if it ever returns, ends. False when the pool is not running that job."""
        with self._lock:
            thread = self._running.get(job_id)
            if thread is None or thread in self._disowned:
                return False
            self._disowned.add(thread)
            self._busy -= 1
            self._changed.notify_all()
        self._on_done()
        return True

    def _next(self) -> Job | None:
        with self._lock:
            while not self._queue and not self._closed:
                self._idle += 1
                self._work.wait()
            if not self._queue:
                return None
            job = self._queue.popleft()
            self._running[job.id] = threading.current_thread()
            return job

    def _serve(self) -> None:
        me = threading.current_thread()
        while (job := self._next()) is not None:
            try:
                self._run(job)
            except Exception:  # run_job records failures itself; this is a last resort
                log.exception("job %s (%s) crashed its pool thread", job.id, job.kind)
            with self._lock:
                if self._running.get(job.id) is me:
                    del self._running[job.id]
                gone = me in self._disowned
                if not gone:
                    self._busy -= 1
                self.finished += 1
                self._changed.notify_all()
            if gone:
                break
            self._on_done()
        with self._lock:
            self._threads.discard(me)
            self._disowned.discard(me)
            self._changed.notify_all()

    def wait_for_one(self, timeout: float | None = None) -> None:
        """Block until a running job finishes (or none runs)."""
        with self._lock:
            if self._busy:
                self._changed.wait(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._lock:
            return self._changed.wait_for(lambda: self._busy == 0, timeout)

    def shutdown(self) -> None:
        """Let the jobs in hand finish, then end the threads; a job disowned meanwhile (hung
        past its maximum run time) is not waited for."""
        with self._lock:
            self._closed = True
            self._idle = 0
            self._work.notify_all()
            self._changed.wait_for(lambda: self._threads <= self._disowned)


class LeaseKeeper:
    """The jobs a worker holds, and the heartbeat that renews their leases while they run.

    A job held longer than its kind's maximum run time (`limit(kind)`) is hung: its lease is
    no longer renewed (so it can be claimed again once the lease ends), it is logged, and
    `on_overrun(job_id)` lets the worker go on without it.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        worker: str,
        lease: timedelta,
        *,
        limit: Callable[[str], timedelta] | None = None,
        on_overrun: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.worker = worker
        self.lease = lease
        self._limit = limit
        self._on_overrun = on_overrun
        self._held: dict[int, tuple[str, datetime, int]] = {}  # id: kind, since, attempt
        self._overrun: dict[int, int] = {}  # id: the attempt that ran past its limit
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, jobs: list[Job]) -> None:
        now = self.clock.now()
        with self._lock:
            for job in jobs:
                self._held[job.id] = (job.kind, now, job.attempts)

    def drop(self, job_id: int, attempt: int | None = None) -> None:
        """Stop renewing the job's lease (given `attempt`: only if it is the one held)."""
        with self._lock:
            held = self._held.get(job_id)
            if held is not None and attempt in (None, held[2]):
                del self._held[job_id]

    def held(self) -> list[int]:
        with self._lock:
            return sorted(self._held)

    def overran(self, job: Job) -> bool:
        """Whether this attempt of the job was given up as hung (its result is not kept)."""
        with self._lock:
            return self._overrun.get(job.id) == job.attempts

    def renew(self) -> int:
        """Push the lease of every held job within its run time to now + lease; returns how
        many were renewed. Jobs past it are let go (see the class docstring)."""
        now = self.clock.now()
        hung: list[tuple[int, str, datetime]] = []
        with self._lock:
            for job_id, (kind, since, attempt) in list(self._held.items()):
                if self._limit is not None and now - since > self._limit(kind):
                    del self._held[job_id]
                    self._overrun[job_id] = attempt
                    hung.append((job_id, kind, since))
            ids = sorted(self._held)
        for job_id, kind, since in hung:
            log.warning(
                "job %s (%s) has run for %.0fs, over its limit of %.0fs: its lease is no longer"
                " renewed, so it can be claimed again; worker %s goes on without it",
                job_id,
                kind,
                (now - since).total_seconds(),
                self._limit(kind).total_seconds() if self._limit else 0,
                self.worker,
            )
            if self._on_overrun is not None:
                self._on_overrun(job_id)
        if not ids:
            return 0
        with self.db.session() as session:
            service.extend_leases(session, self.clock, ids, self.worker, self.lease)
        return len(ids)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._beat, name=f"warroom-lease-{self.worker}", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        interval = max(0.05, self.lease.total_seconds() / 3)
        while not self._stop.wait(interval):
            try:
                self.renew()
            except Exception:  # a database blip: the next beat tries again
                log.warning("worker %s could not renew its leases", self.worker, exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
