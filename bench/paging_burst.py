"""Paging benchmark part (4): a burst of 1,000 incidents opened within one second.

warroom runs on 127.0.0.1 as it is deployed: on SQLite `warroom serve` with its embedded
engine, on PostgreSQL `serve --no-engine` with two `warroom worker` processes. 1,000
Alertmanager-format alerts (30 with --quick), each opening its own incident, are POSTed by
16 concurrent senders paced over one second. Each incident pages the on-call, whose webhook is
a local HTTP receiver; alert-to-page is from just before the POST to the page's arrival
(burst_page_p99_ms), and burst_pages_per_s is pages received over the time from the first
POST to the last page.

Head-of-line blocking (hol_page_p99_ms): then the same burst on the same warroom, routed (label
lane="hol") to a service whose policy also pages a second person whose webhook never answers
until the run ends. Only the working person's pages are measured: the hanging destination
must delay none of them.

Every expected page counts: one that never arrived is reported (missing_pages) and counted in
the percentile at the time waited. The storm guard is off: each incident must page. When
intake cannot take the burst within its second the senders fall behind their pace; each line
then also says how fast alerts were accepted (alerts_accepted_per_s) and the p99 counted from
each alert's due moment in the burst's second (p99_from_due_ms), not only from its POST.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import benchlib
from benchlib import free_port, percentile
from paging_latency import SECRET, PageReceiver, alert

log = functools.partial(benchlib.log, "paging:burst")
emit = functools.partial(benchlib.emit, "paging")
SENDERS = 16
ENGINES = 2  # `warroom worker` processes on PostgreSQL (one per core)
API_PROCESSES = 1  # `serve --workers`: more HTTP processes only add contention on 2 cores

PACK = """\
severities:
  - {{key: P0, name: Critical, page: true}}
users:
  - email: oncall@bench.test
    name: On-call
    contact_methods: [{{name: hook, url: "{hook}"}}]
  - email: stuck@bench.test
    name: Stuck
    contact_methods: [{{name: hook, url: "{stuck}"}}]
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall@bench.test], shift: weekly, start: "2025-01-06"}}
escalation_policies:
  - key: bench
    levels: [{{notify: [schedule:primary]}}]
  - key: bench-hol
    levels: [{{notify: [schedule:primary, user:stuck@bench.test]}}]
services:
  - {{key: api, name: API, escalation_policy: bench}}
  - {{key: api-hol, name: API (with a hanging second person), escalation_policy: bench-hol}}
integrations:
  # The storm guard would fold the burst into one incident; here every incident must page.
  - {{key: am, type: alertmanager, secret: "{secret}", storm: {{threshold: 0}}}}
routes:
  - {{key: hol, matchers: ['lane="hol"'], service: api-hol, severity: P0, group_by: [alertname]}}
  - {{key: all, service: api, severity: P0, group_by: [alertname]}}
"""


class Hang:
    """A webhook that takes requests and never answers until closed."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.hits = 0
        hang = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hang.hits += 1
                hang.release.wait(600)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stuck"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def lane_alert(name: str, lane: str) -> dict[str, Any]:
    """An Alertmanager webhook for one alert, labelled with its lane (burst or hol)."""
    document = alert(name)
    document["commonLabels"]["lane"] = lane
    document["alerts"][0]["labels"] = {**document["alerts"][0]["labels"], "lane": lane}
    return document


def send_burst(
    endpoint: str,
    names: list[str],
    starts: dict[str, float],
    lane: str,
    due: dict[str, float] | None = None,
    refused: list[str] | None = None,
) -> float:
    """POST one alert per name from SENDERS threads, paced over one second; returns the span.
    `starts`: when each POST began; `due`: when it was due by the pace (the burst's second);
    `refused`: a line for each POST that was not answered 2xx (its alert then pages nobody,
    and is counted missing; the senders go on).

    Each sender is one keep-alive connection (as Alertmanager keeps one to its receiver) and
    its bodies are encoded before the burst begins: the load generator shares the 2 cores
    with warroom, so it should cost as little as a sender written in Go would."""
    target = urlsplit(endpoint)
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    bodies = {name: json.dumps(lane_alert(name, lane)).encode() for name in names}
    began = time.perf_counter()
    pace = 1.0 / len(names)

    def sender(mine: list[tuple[int, str]]) -> None:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            for index, name in mine:
                if due is not None:
                    due[name] = began + index * pace
                delay = began + index * pace - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                starts[name] = time.perf_counter()
                problem = _post(conn, target.path, bodies[name], headers)
                if problem is None:
                    continue
                if refused is None:
                    raise RuntimeError(f"{name}: {problem}")
                refused.append(f"{name}: {problem}")
                conn.close()  # a fresh connection for the next alert
        finally:
            conn.close()

    shares = [list(enumerate(names))[k::SENDERS] for k in range(SENDERS)]
    threads = [threading.Thread(target=sender, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _post(
    conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]
) -> str | None:
    """One POST on a keep-alive connection; None when answered 2xx, else what went wrong."""
    try:
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        text = answer.read()
    except (OSError, http.client.HTTPException) as exc:
        return f"{exc.__class__.__name__} {exc}"
    if 200 <= answer.status < 300:
        return None
    return f"HTTP {answer.status} {text[:200].decode(errors='replace')}"


@contextlib.contextmanager
def worker_processes(
    url: str, tmp: Path, names: list[str], env: dict[str, str]
) -> Iterator[tuple[Callable[[], None], list[int]]]:
    """`warroom worker` processes, started together (their start-ups overlap); yields a
    function that waits until each says it has started (so that something else, the API,
    can start meanwhile) and their pids."""
    environment = {**os.environ, **env, "WARROOM_DATABASE_URL": url, "WARROOM_LOG_LEVEL": "info"}
    procs: list[subprocess.Popen[bytes]] = []

    def wait_started() -> None:
        for name in names:
            benchlib.wait_for_log(tmp / f"{name}.log", "started", 30)

    try:
        for name in names:
            command = [benchlib.WARROOM, "worker", "--name", name]
            with (tmp / f"{name}.log").open("wb") as out:
                proc = subprocess.Popen(command, env=environment, stdout=out, stderr=out)
            procs.append(proc)
        yield wait_started, [proc.pid for proc in procs]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def warroom_under_test(
    url: str, receiver: PageReceiver, hang: Hang, engines: int
) -> Iterator[tuple[str, dict[str, list[int]], Path]]:
    """`warroom serve` (and `warroom worker`s) on the bench pack; yields the intake endpoint,
    the pids of the API and of the workers, and the directory of their logs."""
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        pack = Path(tmp) / "pack"
        pack.mkdir()
        text = PACK.format(hook=receiver.url, stuck=hang.url, secret=SECRET)
        (pack / "bench.yaml").write_text(text)
        port = free_port()
        env = {
            "WARROOM_SECRET_KEY": "bench-secret",
            "WARROOM_DATA_DIR": tmp,
            "WARROOM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        serve_args = ["--no-engine", "--workers", str(API_PROCESSES)] if engines else []
        # engines: the split deployment, the API apart and `warroom worker` processes
        names = [f"burst-w{n}" for n in range(engines)]
        wait_started, workers = stack.enter_context(worker_processes(url, Path(tmp), names, env))
        # The API starts while the workers do (start-ups overlap; nothing is sent before all
        # are ready).
        serve = stack.enter_context(
            benchlib.warroom_serve(url, pack, port, Path(tmp) / "serve.log", *serve_args, **env)
        )
        wait_started()
        pids = {"api": [serve.pid], "workers": workers}
        yield f"http://127.0.0.1:{port}/api/v1/intake/alertmanager", pids, Path(tmp)


def run_burst(
    running: Deployment, count: int, lane: str
) -> tuple[list[float], list[float], int, float, float, dict[str, float]]:
    """Latencies from each POST and from when it was due by the pace (ms, missing counted at
    the wait), missing, send span, pages per second, and the CPU seconds each group of
    processes (API, workers, PostgreSQL, this bench) used from the first POST to the last
    page."""
    endpoint, receiver = running.api, running.receiver
    names = [f"bench-{lane}-{n:05d}-{uuid.uuid4().hex[:6]}" for n in range(count)]
    starts: dict[str, float] = {}
    due: dict[str, float] = {}
    refused: list[str] = []
    meter = benchlib.CpuMeter(running.pids, running.url)
    profiling = profiled(running.pids, lane)
    meter.start()
    span = send_burst(endpoint, names, starts, lane, due, refused)
    if refused:
        log(f"{len(refused)} alerts were refused, e.g. {refused[0]}; the server's last lines:")
        log(running.log_tail())
    wait_until = time.perf_counter() + 60
    latencies, from_due, missing, last = [], [], 0, 0.0
    unsent = {line.split(":", 1)[0] for line in refused}
    for name in names:
        waited = 0.0 if name in unsent else max(0.0, wait_until - time.perf_counter())
        arrived = receiver.wait_for(name, waited)
        if arrived is None:
            missing += 1
            arrived = time.perf_counter()
        last = max(last, arrived)
        latencies.append((arrived - starts[name]) * 1000)
        from_due.append((arrived - due[name]) * 1000)
    cpu = meter.stop()
    profiling.close()
    rate = (count - missing) / max(1e-6, last - min(starts.values()))
    return latencies, from_due, missing, span, rate, cpu


def profiled(pids: dict[str, list[int]], lane: str) -> contextlib.ExitStack:
    """With WARROOM_BENCH_PROFILE=DIR (and py-spy on PATH or in WARROOM_BENCH_PYSPY), each
    API and worker process is sampled by `py-spy record` until the returned stack closes,
    into DIR/LANE-GROUP-N.txt as collapsed stacks (the figures are then not comparable)."""
    stack = contextlib.ExitStack()
    into = os.environ.get("WARROOM_BENCH_PROFILE")
    if not into:
        return stack
    spy = os.environ.get("WARROOM_BENCH_PYSPY", "py-spy")
    for group, members in pids.items():
        for n, pid in enumerate(members):
            out = Path(into) / f"{lane}-{group}-{n}.txt"
            command = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "97", "--gil"]
            proc = subprocess.Popen([*command, "--output", str(out)], stdout=subprocess.DEVNULL)
            stack.callback(proc.wait, 30)
            stack.callback(proc.send_signal, signal.SIGINT)
    return stack


@dataclass
class Deployment:
    """A running warroom under test (see `deployment`)."""

    api: str  # the intake endpoint
    receiver: PageReceiver
    hang: Hang
    engines: int  # `warroom worker` processes (0: serve's embedded engine)
    pids: dict[str, list[int]]  # the API's and the workers' processes
    url: str  # the database
    logs: Path  # the directory of the API's and the workers' logs

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of each log (to tell why an alert was refused)."""
        tails = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"== {path.name}\n" + "\n".join(text))
        return "\n".join(tails)


@contextlib.contextmanager
def deployment(url: str, db_kind: str) -> Iterator[Deployment]:
    """warroom as deployed, on the bench pack, ready. On PostgreSQL the engine is the split
    deployment (the API with --no-engine and ENGINES `warroom worker` processes); on SQLite
    `serve`'s embedded one."""
    engines = ENGINES if db_kind == "postgresql" else 0
    hang = Hang()
    try:
        with (
            PageReceiver() as receiver,
            warroom_under_test(url, receiver, hang, engines) as (api, pids, logs),
        ):
            try:
                yield Deployment(api, receiver, hang, engines, pids, url, logs)
            finally:
                # Let the hanging sends end now, or each worker's stop would wait for them (a
                # send times out after 10 s) before warroom could stop.
                hang.release.set()
    finally:
        hang.close()


def part_burst(url: str, db_kind: str, quick: bool) -> None:
    """The burst, then the same burst with a hanging destination, on one running warroom."""
    with deployment(url, db_kind) as running:
        measure_burst(running, db_kind, quick)


def measure_burst(running: Deployment, db_kind: str, quick: bool) -> None:
    """Part (4)'s figures on a running warroom (bench/paging.py --quick starts it during
    part (3))."""
    count = 30 if quick else 1000
    api, receiver, engines = running.api, running.receiver, running.engines
    warm = [f"bench-warm-{n}-{uuid.uuid4().hex[:4]}" for n in range(5)]
    send_burst(api, warm, {}, "burst")
    for name in warm:
        receiver.wait_for(name, 30)
    for metric, lane in (("burst", "burst"), ("hol", "hol")):
        latencies, from_due, missing, span, rate, cpu = run_burst(running, count, lane)
        _report(metric, db_kind, count, engines, span, missing, rate, latencies, from_due, cpu)
    log(f"the hanging destination took {running.hang.hits} requests")


def _report(
    metric: str,
    db_kind: str,
    count: int,
    engines: int,
    span: float,
    missing: int,
    rate: float,
    latencies: list[float],
    from_due: list[float],
    cpu: dict[str, float],
) -> None:
    context = {
        "db": db_kind,
        "incidents": count,
        "engine": f"{engines} workers" if engines else "embedded",
        "storm_guard": "off",
        "sent_within_s": round(span, 3),
        "missing_pages": missing,
        "hanging_destinations": int(metric == "hol"),
        # The burst is due within one second; when intake cannot take it that fast, the
        # senders fall behind their pace: alert-to-page counted from the alert's due moment.
        "p99_from_due_ms": round(percentile(from_due, 99), 1),
        "alerts_accepted_per_s": round(count / max(1e-6, span), 1),
        # CPU per incident of each group of processes, from the first POST to the last page
        # (for every page within 5 s of a one-second burst of 1,000, 2 cores afford ~11 ms)
        "cpu_ms_per_incident": {k: round(v * 1000 / count, 2) for k, v in sorted(cpu.items())},
    }
    log(
        f"{metric}: {count} alerts sent in {span:.2f}s; p50 {percentile(latencies, 50):.0f}"
        f" ms, p99 {percentile(latencies, 99):.0f} ms, {rate:.0f} pages/s, missing {missing};"
        f" from the due moment p99 {percentile(from_due, 99):.0f} ms; CPU ms per incident"
        f" {context['cpu_ms_per_incident']}"
    )
    emit(f"{metric}_page_p99_ms", percentile(latencies, 99), "ms", **context)
    if metric == "burst":
        emit("burst_pages_per_s", rate, "1/s", **context)
