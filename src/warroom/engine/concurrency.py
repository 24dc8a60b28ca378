"""What lets one worker run slow jobs side by side and keep its leases while they run.

- `HandlerPool`: a bounded thread pool for job kinds that call out (`notify.deliver`): the
  worker hands those jobs to it and goes on claiming, so one slow destination holds one
  thread, not the whole worker. Each finished job calls `on_done` (the worker's wake-up).
- `LeaseKeeper`: the ids of the jobs a worker holds, and a heartbeat thread that pushes their
  leases forward every lease/3 while they run, so a slow handler is not taken over (and run a
  second time) by another worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from warroom.clock import Clock
from warroom.db import Database
from warroom.engine import service
from warroom.engine.models import Job

log = logging.getLogger("warroom.engine")


class HandlerPool:
    """Runs jobs on up to `size` threads; `free()` says how many more it takes now."""

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
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Condition()
        self._busy = 0
        self.finished = 0  # jobs it has run to the end, ever (a pass compares before/after)

    def free(self) -> int:
        with self._lock:
            return self.size - self._busy

    def busy(self) -> int:
        with self._lock:
            return self._busy

    def submit(self, job: Job) -> Future[None]:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.size, thread_name_prefix=self._name)
            self._busy += 1
        return self._executor.submit(self._guarded, job)

    def _guarded(self, job: Job) -> None:
        try:
            self._run(job)
        except Exception:  # run_job records failures itself; this is a last resort
            log.exception("job %s (%s) crashed its pool thread", job.id, job.kind)
        finally:
            with self._lock:
                self._busy -= 1
                self.finished += 1
                self._lock.notify_all()
            self._on_done()

    def wait_for_one(self, timeout: float | None = None) -> None:
        """Block until a running job finishes (or none runs)."""
        with self._lock:
            if self._busy:
                self._lock.wait(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._busy == 0, timeout)

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


class LeaseKeeper:
    """The jobs a worker holds, and the heartbeat that renews their leases while they run."""

    def __init__(self, db: Database, clock: Clock, worker: str, lease: timedelta) -> None:
        self.db = db
        self.clock = clock
        self.worker = worker
        self.lease = lease
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, jobs: list[Job]) -> None:
        with self._lock:
            self._held.update(j.id for j in jobs)

    def drop(self, job_id: int) -> None:
        with self._lock:
            self._held.discard(job_id)

    def held(self) -> list[int]:
        with self._lock:
            return sorted(self._held)

    def renew(self) -> int:
        """Push the lease of every held job to now + lease; returns how many were held."""
        ids = self.held()
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
