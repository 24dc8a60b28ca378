"""A real worker process killed (SIGKILL, by its own job) in the middle of a shared
transaction, again and again: its batch-mates still run, within their attempts, and the job
that kills its worker fails on its own attempts (both databases)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from warroom.clock import SystemClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import DONE, FAILED, Job

WORKER = textwrap.dedent(
    """
    import os, signal, sys
    from warroom import wiring
    from warroom.clock import SystemClock
    from warroom.db import Database
    from warroom.engine.options import EngineOptions
    from warroom.engine.registry import register
    from warroom.engine.worker import Worker
    from warroom.settings import Settings

    def mate(ctx, job):
        pass

    def kills_its_worker(ctx, job):
        os.kill(os.getpid(), signal.SIGKILL)

    wiring.install()
    register("test.process_mate", mate, batch=True)
    register("test.process_killer", kills_its_worker, batch=True)
    url = sys.argv[1]
    settings = Settings(database_url=url, secret_key="test-secret")
    options = EngineOptions(lease_seconds=1, poll_seconds=0.2, async_commit=False)
    Worker(Database(url), SystemClock(), settings, "doomed", options=options).run_forever()
    """
)


def _states(db: Database) -> dict[int, tuple[str, int]]:
    with db.session() as session:
        return {job.id: (job.state, job.attempts) for job in session.query(Job)}


def test_a_job_that_sigkills_its_worker_costs_its_batch_mates_nothing(
    db: Database, tmp_path: Path
) -> None:
    clock = SystemClock()
    with db.session() as session:
        kind = "test.process_mate"
        mates = [engine.enqueue(session, clock, kind, {}, max_attempts=1).id for _ in range(2)]
        killer = engine.enqueue(session, clock, "test.process_killer", {}, max_attempts=1).id
        mates.append(engine.enqueue(session, clock, kind, {}, max_attempts=1).id)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    lives = 0
    deadline = time.monotonic() + 120
    while _states(db)[killer][0] != FAILED and time.monotonic() < deadline:
        process = subprocess.Popen([sys.executable, str(script), db.url])
        lives += 1
        life_ends = time.monotonic() + 30
        try:  # it dies by its own job's hand, or lives on once that job has failed
            while process.poll() is None and time.monotonic() < life_ends:
                if _states(db)[killer][0] == FAILED:
                    break
                time.sleep(0.1)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(5)
        time.sleep(1.1)  # the dead worker's leases run out
    states = _states(db)
    assert states[killer][0] == FAILED, states
    assert {states[m][0] for m in mates} == {DONE}, states
    assert lives <= 4, lives
