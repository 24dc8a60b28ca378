"""Paging benchmark part (1): alert-to-page latency through a real `warroom serve`.

    python bench/paging_latency.py [--quick] [--db sqlite|postgresql]
    (or through bench/paging.py, part 1)

A real `warroom serve` (embedded engine) runs on 127.0.0.1 with a config pack whose only
on-call person has a plain webhook contact method pointing at a local HTTP receiver. For each
of 500 incidents (20 with --quick), one Alertmanager-format webhook is POSTed with a fresh
alertname (so each opens its own incident) and the clock runs until the receiver gets the page
for that alert: intake -> incident -> escalation level 1 job -> notification job -> webhook.
Alerts are sent one after another, so each figure is one page's full path on an idle system.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import benchlib
from benchlib import free_port, fresh_database, percentile

log = functools.partial(benchlib.log, "paging:latency")
emit = functools.partial(benchlib.emit, "paging")

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-alertmanager-secret-0123456789"


class PageReceiver:
    """A local webhook receiver: notes when the page for each alert arrives (by its title)."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as the chat and paging services webhooks go to answer.
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                arrived = time.perf_counter()
                title = str(json.loads(raw or b"{}").get("title", ""))
                with receiver.cond:
                    for word in title.split():
                        if word.startswith("bench-"):
                            receiver.arrivals.setdefault(word, arrived)
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a kept-alive connection must not hold up the close
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/page"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, name: str, timeout: float) -> float | None:
        with self.cond:
            self.cond.wait_for(lambda: name in self.arrivals, timeout)
            return self.arrivals.get(name)

    def __enter__(self) -> PageReceiver:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


PACK = """\
severities:
  - {{key: P0, name: Critical, page: true}}
users:
  - email: oncall@bench.test
    name: On-call
    contact_methods: [{{name: hook, url: "{hook}"}}]
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall@bench.test], shift: weekly, start: "2025-01-06"}}
escalation_policies:
  - key: bench
    levels: [{{notify: [schedule:primary]}}]
services:
  - {{key: api, name: API, escalation_policy: bench}}
integrations:
  # Storm guard off: each alert must open (and page for) its own incident.
  - {{key: am, type: alertmanager, secret: "{secret}", storm: {{threshold: 0}}}}
routes:
  - {{key: all, service: api, severity: P0, group_by: [alertname]}}
"""


def alert(name: str) -> dict[str, Any]:
    labels = {"alertname": name, "service": "api", "severity": "critical"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": name},
        "commonLabels": labels,
        "commonAnnotations": {"summary": name},
        "externalURL": "http://alertmanager.local",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": name},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.local/graph",
                "fingerprint": uuid.uuid4().hex[:16],
            }
        ],
    }


def measure(
    db_kind: str, quick: bool, url: str | None = None, alongside: Callable[[], Any] | None = None
) -> tuple[list[float], int]:
    """Latencies (ms) of `count` alert-to-page paths, and how many pages never came.
    `alongside`: other work (another part's set-up) run on a thread while the server starts,
    and finished before the first alert is sent."""
    import httpx

    count = 20 if quick else 500
    with (
        contextlib.nullcontext(url) if url else fresh_database(db_kind, "lat", False) as url,
        tempfile.TemporaryDirectory() as tmp,
        PageReceiver() as receiver,
        ThreadPoolExecutor(1) as meanwhile,
    ):
        pack = Path(tmp) / "pack"
        pack.mkdir()
        (pack / "bench.yaml").write_text(PACK.format(hook=receiver.url, secret=SECRET))
        port = free_port()
        env = {
            "WARROOM_SECRET_KEY": "bench-secret",
            "WARROOM_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "WARROOM_DATA_DIR": tmp,
        }
        side = meanwhile.submit(alongside) if alongside is not None else None
        with benchlib.warroom_serve(url, pack, port, Path(tmp) / "serve.log", **env):
            if side is not None:
                side.result()
            latencies: list[float] = []
            accepted: list[float] = []
            missing = 0
            endpoint = f"http://127.0.0.1:{port}/api/v1/intake/alertmanager"
            headers = {"Authorization": f"Bearer {SECRET}"}
            with httpx.Client(timeout=10) as http:
                for warm in range(5):  # first requests pay for imports and connection pools
                    name = f"bench-warmup-{warm}"
                    http.post(endpoint, json=alert(name), headers=headers).raise_for_status()
                    receiver.wait_for(name, 10)
                for n in range(count):
                    name = f"bench-{n:05d}-{uuid.uuid4().hex[:6]}"
                    started = time.perf_counter()
                    response = http.post(endpoint, json=alert(name), headers=headers)
                    response.raise_for_status()
                    accepted.append((time.perf_counter() - started) * 1000)
                    arrived = receiver.wait_for(name, 10)
                    if arrived is None:
                        missing += 1
                        continue
                    latencies.append((arrived - started) * 1000)
        log(f"intake answered (202) in p50 {percentile(accepted, 50):.1f} ms")
    return latencies, missing


def part_latency(
    db_kind: str, quick: bool, url: str | None = None, alongside: Callable[[], Any] | None = None
) -> None:
    """Run part (1) and print its figures (on a fresh database, or on `url` if given);
    `alongside` runs while its server starts (see `measure`)."""
    latencies, missing = measure(db_kind, quick, url, alongside)
    context = {"db": db_kind, "incidents": len(latencies) + missing, "missing_pages": missing}
    log(
        f"{len(latencies)} pages: p50 {percentile(latencies, 50):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms, missing {missing}"
    )
    emit("page_latency_p50_ms", percentile(latencies, 50), "ms", **context)
    emit("page_latency_p99_ms", percentile(latencies, 99), "ms", **context)


def main(argv: list[str] | None = None, run: Callable[[str, bool], None] = part_latency) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    run(args.db, args.quick)


if __name__ == "__main__":
    main()
