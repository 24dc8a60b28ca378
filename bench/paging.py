"""Paging benchmark: JSON lines on stdout, progress on stderr (see ../shared/bench-format.md).

    python bench/paging.py [--quick] [--parts 2,3] [--db postgresql|sqlite]

(1) alert-to-page latency: from the Alertmanager-format POST to the local webhook receiver
    getting the page (page_latency_p50_ms, page_latency_p99_ms).
(2) escalation timers with the real `paging.escalate` / `paging.unresolved` handlers on
    incidents with a policy and a ladder, 100,000 pending; how late each due timer ran
    (timer_lateness_p50_ms, timer_lateness_p99_ms, timers that never ran counted and reported)
    and the worker's peak RSS (timer_peak_rss_mb). See bench/paging_timers.py.
(3) three `warroom worker` processes on PostgreSQL deliver pages to a local HTTP receiver;
    one is SIGKILLed mid-run (lost_pages, duplicate_pages).
(4) a burst of 1,000 incidents opened within a second through the real intake API, alert to
    page received (burst_page_p99_ms, burst_pages_per_s), and the same burst while one
    destination hangs (hol_page_p99_ms). See bench/paging_burst.py.

Servers are started on 127.0.0.1 and stopped at the end; PostgreSQL databases are created
fresh (from WARROOM_BENCH_PG_URL, default postgres@127.0.0.1:5432) and dropped afterwards
(all at once).

--quick (under 45 s) runs smaller sizes and overlaps what no figure times: part (2)'s set-up
(in-process: its database, pack, incidents, plans and level-1 pages) runs while part (1)'s
server starts and ends before part (1)'s first alert, and part (4)'s warroom starts during
part (3), which counts pages and times nothing. Each figure is measured as in a full run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import benchlib
from benchlib import fresh_database

log = functools.partial(benchlib.log, "paging")
emit = functools.partial(benchlib.emit, "paging")

KILL_PREFIX = "bench-kill:"


# -- a local webhook receiver -------------------------------------------------------------------


class Receiver:
    """Counts POSTs by Idempotency-Key and notes when each arrived."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.keys: list[str] = []
        self.arrivals: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                if receiver.delay:
                    time.sleep(receiver.delay)
                key = self.headers.get("Idempotency-Key", "")
                with receiver.lock:
                    receiver.keys.append(key)
                    receiver.arrivals.setdefault(key, time.time())
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def distinct(self) -> int:
        with self.lock:
            return len(set(self.keys))


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


# -- (3) three workers, one SIGKILLed -----------------------------------------------------------


def _start_worker(url: str, name: str, logdir: Path, lease: float) -> subprocess.Popen[bytes]:
    env = dict(os.environ, WARROOM_DATABASE_URL=url, WARROOM_ENGINE_BATCH="10")
    env.pop("WARROOM_ENGINE", None)
    out = (logdir / f"{name}.log").open("wb")
    command = ["worker", "--name", name, "--lease", str(lease)]
    return subprocess.Popen(
        [sys.executable, "-m", "warroom.cli.main", *command],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
    )


def _queue_pages(url: str, address: str, count: int) -> None:
    from warroom.clock import SystemClock
    from warroom.db import Database
    from warroom.notify import service as notify

    db = Database(url)
    clock = SystemClock()
    with db.session() as session:
        for n in range(count):
            notify.queue_message(
                session, clock, url=f"json://{address}/page", title=f"page {n}",
                body="Acknowledge: http://127.0.0.1/l/x", incident_id=None, user_id=None,
                idempotency_key=f"{KILL_PREFIX}{n}", purpose="page",
            )  # fmt: skip
    db.dispose()


def _sent(url: str) -> int:
    """Pages of this part in state sent (other parts may share the database)."""
    from sqlalchemy import func, select

    from warroom.db import Database
    from warroom.notify.models import SENT, Message

    db = Database(url)
    with db.session() as session:
        n = session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.state == SENT, Message.idempotency_key.startswith(KILL_PREFIX))
        )
    db.dispose()
    return int(n or 0)


def part_kill(url: str, quick: bool) -> None:
    pages, lease = (60, 2.0) if quick else (2000, 10.0)
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, Receiver(delay=0.005) as receiver:
        procs = [_start_worker(url, f"w{n}", Path(tmp), lease) for n in range(3)]
        logs = [Path(tmp) / f"w{n}.log" for n in range(3)]
        ready = wait_until(
            lambda: all("listening on" in p.read_text(errors="replace") for p in logs), 30
        )
        if not ready:
            log("workers did not start:\n" + logs[0].read_text(errors="replace")[-2000:])
        log(f"kill: 3 workers listening after {time.monotonic() - began:.1f}s")
        _queue_pages(url, receiver.address, pages)
        wait_until(lambda: receiver.distinct() >= pages // 3, 60, 0.01)
        procs[0].send_signal(signal.SIGKILL)
        killed_after = receiver.distinct()
        done = wait_until(lambda: _sent(url) >= pages, 120, 0.2)
        log(f"kill: all delivered after {time.monotonic() - began:.1f}s")
        keys = list(receiver.keys)
        for proc in procs[1:]:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)
    counts = Counter(k for k in keys if k.startswith(KILL_PREFIX))
    lost = pages - len(counts)
    duplicates = sum(n - 1 for n in counts.values())
    log(f"kill: {pages} pages, SIGKILL after {killed_after}; all sent: {done}; lost {lost}")
    context = {
        "db": "postgresql",
        "pages": pages,
        "workers": 3,
        "killed_after": killed_after,
        "lease_s": lease,
    }
    emit("lost_pages", lost, "pages", **context)
    emit("duplicate_pages", duplicates, "pages", **context)


# -- main ---------------------------------------------------------------------------------------


class Run:
    """What a part gets: the options and a fresh database per kind, made on first use."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick: bool = args.quick
        self.urls: dict[str, str] = {}
        self.drops: list[contextlib.ExitStack] = []
        self.later: list[str] = []  # the parts still to run after this one
        # --quick: part 2 set up while part 1's server starts (its receiver, its database)
        self.timers = contextlib.ExitStack()
        self.timers_url: str | None = None
        # --quick: part 4's warroom started during part 3
        self.burst = contextlib.ExitStack()
        self.burst_started: Future[Any] | None = None

    def database(self, kind: str, tag: str = "") -> str:
        """A fresh database of this kind (one per tag), dropped when the run ends."""
        if kind + tag not in self.urls:
            stack = contextlib.ExitStack()
            self.urls[kind + tag] = stack.enter_context(fresh_database(kind, "paging"))
            self.drops.append(stack)
        return self.urls[kind + tag]

    def close(self) -> None:
        """Drop the databases, all at once (each PostgreSQL drop waits for a checkpoint)."""
        with ThreadPoolExecutor(max(1, len(self.drops))) as pool:
            list(pool.map(contextlib.ExitStack.close, self.drops))


def part_latency(run: Run) -> None:
    """Part (1). With --quick and part (2) still to come, part (2)'s set-up (in-process, nothing
    measured) runs while part (1)'s server starts, and ends before its first alert."""
    import paging_latency
    import paging_timers

    alongside = None
    if run.quick and "2" in run.later:
        timers = paging_timers.prepared(lambda: run.database(run.args.db, "timers"), run.quick)
        prepare_now = run.timers.enter_context(timers)

        def alongside() -> None:
            run.timers_url = prepare_now()

    paging_latency.part_latency(run.args.db, run.quick, run.database(run.args.db), alongside)


def part_timers(run: Run) -> None:
    """Part (2), on the database set up during part (1) if it was."""
    import paging_timers

    with run.timers:
        if run.timers_url is not None:
            paging_timers.measure_timers(run.timers_url, run.args.db, run.quick)
            return
    paging_timers.part_timers(run.database(run.args.db, "timers"), run.args.db, run.quick)


def part_kill_quick(run: Run) -> None:
    """Part (3). With --quick and part (4) still to come, part (4)'s warroom starts meanwhile:
    part (3) counts pages (lost, duplicated); it times nothing that start-ups could slow."""
    import paging_burst

    if run.quick and "4" in run.later:
        running = paging_burst.deployment(run.database(run.args.db, "burst"), run.args.db)
        starter = ThreadPoolExecutor(1)
        run.burst_started = starter.submit(run.burst.enter_context, running)
        starter.shutdown(wait=False)
    part_kill(run.database("postgresql"), run.quick)


def part_burst(run: Run) -> None:
    """Part (4), on the warroom started during part (3) if it was."""
    import paging_burst

    with run.burst:
        if run.burst_started is not None:
            running = run.burst_started.result()
            run.burst_started = None
            paging_burst.measure_burst(running, run.args.db, run.quick)
            return
    paging_burst.part_burst(run.database(run.args.db, "burst"), run.args.db, run.quick)


PARTS: dict[str, Callable[[Run], None]] = {
    # Parts (1) and (2) live in bench/paging_latency.py and paging_timers.py.
    "1": part_latency,
    "2": part_timers,
    "3": part_kill_quick,
    "4": part_burst,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shortened run (under 45 s)")
    parser.add_argument("--parts", default=",".join(sorted(PARTS)), help="e.g. 2,3")
    parser.add_argument("--db", default="postgresql", choices=("postgresql", "sqlite"),
                        help="database for the timer part (part 3 needs PostgreSQL)")  # fmt: skip
    args = parser.parse_args()
    run = Run(args)
    parts = [p.strip() for p in args.parts.split(",")]
    try:
        for index, part in enumerate(parts):
            if part not in PARTS:
                log(f"part {part} is not available (have {', '.join(sorted(PARTS))})")
                continue
            run.later = parts[index + 1 :]
            started = time.monotonic()
            PARTS[part](run)
            log(f"part {part} took {time.monotonic() - started:.1f}s")
    finally:
        if run.burst_started is not None:  # part 4 did not run: its start-up must end first
            with contextlib.suppress(Exception):
                run.burst_started.result()
        run.burst.close()
        run.timers.close()
        run.close()


if __name__ == "__main__":
    main()
