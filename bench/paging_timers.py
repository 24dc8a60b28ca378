"""Paging benchmark part (2): escalation timer lateness with the real handlers.

Incidents are opened through the real incident service on a config pack with an escalation
policy (two levels) and an unresolved ladder; the real `paging.plan` jobs plan them and level 1
pages the on-call (delivered to a local HTTP receiver). Then the pending `paging.escalate`
(level 2) and `paging.unresolved` (ladder rung) timers of those incidents are spread over the
measurement window, and the queue is filled with further pending escalation timers due later,
up to 100,000 pending (2,000 with --quick). A real `warroom worker` process runs them: each due
timer locks its incident, checks the escalation state, records on the timeline, pages the
level-2 person (a message, a delivery job, an HTTP POST).

Lateness is finished_at - run_at of each due timer, read from the jobs table (the handler's
work is done at that moment). A timer that has not run by the end is counted with the
lateness it had at the end, and reported in `timers_not_run`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import benchlib
from benchlib import percentile
from paging_latency import PageReceiver

log = functools.partial(benchlib.log, "paging:timers")
emit = functools.partial(benchlib.emit, "paging")
KINDS = ("paging.escalate", "paging.unresolved")

PACK = """\
severities:
  - key: P1
    name: High
    page: true
    escalate_while_unresolved:
      - {{after: 4h, notify: [user:lead@bench.test]}}
users:
  - email: oncall@bench.test
    name: On-call
    contact_methods: [{{name: hook, url: "{hook}/oncall"}}]
  - email: second@bench.test
    name: Second
    contact_methods: [{{name: hook, url: "{hook}/second"}}]
  - email: lead@bench.test
    name: Lead
    contact_methods: [{{name: hook, url: "{hook}/lead"}}]
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall@bench.test], shift: weekly, start: "2025-01-06"}}
escalation_policies:
  - key: bench
    levels:
      - {{notify: [schedule:primary], escalate_after: 2h}}
      - {{notify: [user:second@bench.test]}}
services:
  - {{key: api, name: API, escalation_policy: bench}}
"""


def _settings(url: str) -> Any:
    from warroom.settings import Settings

    return Settings(database_url=url, secret_key="bench-secret", public_url="http://127.0.0.1")


def prepare(url: str, hook: str, incidents: int) -> None:
    """Config, incidents, their plans and level-1 pages, through the real services and jobs."""
    from warroom import wiring
    from warroom.clock import SystemClock
    from warroom.config import service as config_service
    from warroom.db import Database
    from warroom.engine.worker import Worker
    from warroom.incidents import service as incident_service

    wiring.install()
    db = Database(url)
    clock = SystemClock()
    doc, problems = config_service.load_files({"bench.yaml": PACK.format(hook=hook)})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="bench")
    for start in range(0, incidents, 100):
        with db.session() as session:
            for n in range(start, min(incidents, start + 100)):
                incident_service.open_incident(
                    session, clock, actor="bench", title=f"bench-timer-{n}", severity="P1",
                    services=["api"],
                )  # fmt: skip
    Worker(db, clock, _settings(url), "bench-setup").run_once()  # plans, level-1 pages
    db.dispose()


def schedule(url: str, total: int, start: datetime, window: float) -> list[int]:
    """Spread the incidents' real timers over the window; fill the queue up to `total`."""
    from sqlalchemy import insert, select, text, update

    from warroom.db import Database
    from warroom.engine.models import Job

    db = Database(url)
    with db.engine.begin() as conn:
        rows = conn.execute(
            select(Job.id, Job.payload, Job.incident_id).where(
                Job.state == "pending", Job.kind.in_(KINDS)
            )
        ).all()
        step = window / max(1, len(rows))
        ids = [row.id for row in rows]
        for n, job_id in enumerate(ids):
            at = start + timedelta(seconds=n * step)
            conn.execute(update(Job).where(Job.id == job_id).values(run_at=at))
        now = datetime.now(UTC)
        later = now + timedelta(days=1)
        filler = [
            {
                "kind": KINDS[n % 2], "payload": dict(rows[n % len(rows)].payload),
                "incident_id": rows[n % len(rows)].incident_id, "state": "pending",
                "run_at": later + timedelta(milliseconds=n), "attempts": 0, "max_attempts": 10,
                "created_at": now, "updated_at": now,
            }
            for n in range(max(0, total - len(rows)))
        ]  # fmt: skip
        for chunk in range(0, len(filler), 5000):
            conn.execute(insert(Job), filler[chunk : chunk + 5000])
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE jobs"))
            # What engine.enqueue does for every job it queues: wake the engines on commit, so
            # the running worker plans its next pass from these timers, not at its next poll.
            conn.execute(text("SELECT pg_notify('warroom_jobs', '')"))
    db.dispose()
    return ids


def start_worker(url: str, logdir: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, WARROOM_DATABASE_URL=url, WARROOM_SECRET_KEY="bench-secret",
               WARROOM_LOG_LEVEL="info", WARROOM_DATA_DIR=str(logdir))  # fmt: skip
    env.pop("WARROOM_ENGINE", None)
    out = (logdir / "worker.log").open("wb")
    command = [sys.executable, "-m", "warroom.cli.main", "worker", "--name", "bench-timers"]
    return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def outcome(url: str, ids: list[int]) -> tuple[list[tuple[str, float]], int]:
    """(kind, lateness s) of each due timer, and how many had not run (counted at 'now')."""
    from sqlalchemy import select

    from warroom.db import Database
    from warroom.engine.models import Job

    db = Database(url)
    now = datetime.now(UTC)
    result: list[tuple[str, float]] = []
    not_run = 0
    with db.session() as session:
        for chunk in range(0, len(ids), 5000):
            part = ids[chunk : chunk + 5000]
            for kind, state, run_at, finished in session.execute(
                select(Job.kind, Job.state, Job.run_at, Job.finished_at).where(Job.id.in_(part))
            ):
                if state == "done" and finished is not None:
                    result.append((kind, (finished - run_at).total_seconds()))
                else:
                    not_run += 1
                    result.append((kind, (now - run_at).total_seconds()))
    db.dispose()
    return result, not_run


def _remaining(url: str, ids: list[int]) -> int:
    from sqlalchemy import func, select

    from warroom.db import Database
    from warroom.engine.models import Job

    db = Database(url)
    with db.session() as session:
        n = session.scalar(
            select(func.count()).select_from(Job).where(Job.id.in_(ids), Job.state != "done")
        )
    db.dispose()
    return int(n or 0)


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    return int(hwm.split()[1]) / 1024


def sizes(quick: bool) -> tuple[int, int, float]:
    """Incidents, timers pending in all, and the window (s) the real timers are due over."""
    return (40, 2_000, 2.0) if quick else (3_000, 100_000, 60.0)


@contextlib.contextmanager
def prepared(url: Callable[[], str], quick: bool) -> Iterator[Callable[[], str]]:
    """Part (2)'s set-up, nothing measured: a receiver for the pages (kept until the part
    ends), then, when the yielded function is called, the database (`url()`), the pack,
    the incidents, their plans and level-1 pages; that function returns the database's URL.
    bench/paging.py --quick calls it while part (1)'s server starts."""
    incidents = sizes(quick)[0]
    with PageReceiver() as receiver:

        def prepare_now() -> str:
            database = url()
            t0 = time.monotonic()
            prepare(database, receiver.url.rsplit("/", 1)[0], incidents)
            log(f"{incidents} incidents opened, planned and paged in {time.monotonic() - t0:.1f}s")
            return database

        yield prepare_now


def part_timers(url: str, db_kind: str, quick: bool) -> None:
    with prepared(lambda: url, quick) as prepare_now:
        measure_timers(prepare_now(), db_kind, quick)


def measure_timers(url: str, db_kind: str, quick: bool) -> None:
    """On a prepared database: a real worker runs the timers; print the figures."""
    incidents, total, window = sizes(quick)
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_worker(url, Path(tmp))
        benchlib.wait_for_log(Path(tmp) / "worker.log", "started", 30)
        start = datetime.now(UTC) + timedelta(seconds=2.0 + total / 40_000)
        ids = schedule(url, total, start, window)
        log(f"{len(ids)} real timers due over {window:.0f}s; {total} pending in all")
        deadline = start.timestamp() + window + (4.0 if quick else 60.0)
        while time.time() < deadline:
            time.sleep(0.5)
            if time.time() > start.timestamp() + window and _remaining(url, ids) == 0:
                break
        rss = peak_rss_mb(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        if _remaining(url, ids):
            tail = (Path(tmp) / "worker.log").read_text(errors="replace")[-3000:]
            log(f"the worker left timers undone; its log ends:\n{tail}")
    samples, not_run = outcome(url, ids)
    lateness_ms = [late * 1000 for _, late in samples]
    by_kind = sorted({kind for kind, _ in samples})
    log(f"{len(samples) - not_run}/{len(samples)} ran; max lateness {max(lateness_ms):.0f} ms")
    context = {
        "db": db_kind, "handler": ",".join(by_kind), "timers_due": len(ids),
        "timers_pending": total, "timers_not_run": not_run, "window_s": window, "workers": 1,
        "incidents": incidents,
    }  # fmt: skip
    emit("timer_lateness_p50_ms", percentile(lateness_ms, 50), "ms", **context)
    emit("timer_lateness_p99_ms", percentile(lateness_ms, 99), "ms", **context)
    emit("timer_peak_rss_mb", rss, "MB", **context)
