"""Status page benchmark: JSON lines on stdout, progress on stderr (see ../shared/bench-format.md).

    python bench/statuspage.py [--quick] [--db sqlite|postgresql|both]

A real `warroom serve --config` (its embedded engine off: nothing is queued) on a fresh,
migrated database holding 1,000 published incidents spread over the page's 90 days of
history (each with a public status update from the comms domain; a few still open, so the
components are degraded and the unresolved list is not empty). Several client threads, each
on its own kept-alive connection, request as fast as they can for a fixed time:

- status_html_rps / status_html_p99_ms: GET /status (the HTML page);
- summary_json_rps / summary_json_p99_ms: GET /status/api/v2/summary.json.

Latency is measured at the client, per request; every request counts, and a non-200 answer is
reported as `errors` on the line. `--quick` measures for a shorter time on SQLite and
PostgreSQL (under 45 s in all).
"""

from __future__ import annotations

import argparse
import functools
import http.client
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import benchlib
from benchlib import fresh_database, percentile

log = functools.partial(benchlib.log, "statuspage")
emit = functools.partial(benchlib.emit, "statuspage")

INCIDENTS = 1000
OPEN = 5
SERVICES = [f"svc-{i:02d}" for i in range(12)]
CONFIG = (
    "severities:\n"
    + "".join(f"  - {{key: SEV{i}, name: Level {i}}}\n" for i in range(4))
    + "services:\n"
    + "".join(f"  - {{key: {s}, name: Service {s}}}\n" for s in SERVICES)
    + (
        "status_page:\n  title: Bench Status\n  groups:\n"
        "    - name: Front\n      components:\n"
        + "".join(f"        - {{service: {s}}}\n" for s in SERVICES[:6])
        + "    - name: Back\n      components:\n"
        + "".join(f"        - {{service: {s}}}\n" for s in SERVICES[6:])
    )
)


def _rows(now: datetime) -> tuple[list[dict[str, Any]], ...]:
    incidents, published, updates = [], [], []
    span = 89 * 24 * 3600
    for i in range(1, INCIDENTS + 1):
        opened = now - timedelta(seconds=span * (INCIDENTS - i) // INCIDENTS + 3600)
        live = i > INCIDENTS - OPEN
        resolved = None if live else opened + timedelta(minutes=45)
        incidents.append({
            "id": i, "number": i, "title": f"internal {i}", "summary": "",
            "severity": f"SEV{i % 4}",
            "status": "acknowledged" if live else "resolved", "impact": {}, "drill": False,
            "private": False, "tags": [], "source": "bench", "dedup_group": None,
            "created_by": "bench@example.com", "opened_at": opened, "updated_at": opened,
            "last_internal_update_at": opened, "last_external_update_at": opened,
            "reopen_count": 0, "resolved_at": resolved,
        })  # fmt: skip
        published.append({
            "id": i, "incident_id": i, "name": f"Public incident {i}",
            "components": [SERVICES[i % len(SERVICES)]], "message": "We are investigating.",
            "open": live, "published_at": opened, "published_by": "bench@example.com",
            "updated_at": opened,
        })  # fmt: skip
        updates.append({
            "incident_id": i, "state": "monitoring" if live else "resolved",
            "internal_text": "internal", "public_text": f"Public update {i}",
            "author": "bench@example.com", "created_at": opened + timedelta(minutes=30),
        })  # fmt: skip
    return incidents, published, updates


def load(url: str) -> None:
    """Bulk-insert the history through the real tables (after serve applied the config)."""
    from sqlalchemy import create_engine, insert

    from warroom.comms.models import StatusUpdate
    from warroom.incidents.models import Incident
    from warroom.statuspage.models import PublishedIncident

    incidents, published, updates = _rows(datetime.now(UTC))
    engine = create_engine(url)
    with engine.begin() as conn:
        for table, rows in ((Incident.__table__, incidents),
                            (PublishedIncident.__table__, published),
                            (StatusUpdate.__table__, updates)):  # fmt: skip
            known = set(table.columns.keys())  # type: ignore[attr-defined]
            conn.execute(insert(table), [{k: v for k, v in r.items() if k in known} for r in rows])
        if url.startswith("postgresql"):
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('incidents', 'number'), 2000)"
            )
    engine.dispose()


def hammer(port: int, path: str, seconds: float, threads: int) -> tuple[list[float], int]:
    """Requests from `threads` kept-alive connections for `seconds`; latencies (ms), errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < end:
            start = time.perf_counter()
            conn.request("GET", path)
            answer = conn.getresponse()
            answer.read()
            mine.append((time.perf_counter() - start) * 1000)
            bad += answer.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, errors[0]


def measure(kind: str, seconds: float, threads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-statuspage-") as tmp:
        config = Path(tmp) / "config"
        config.mkdir()
        (config / "org.yaml").write_text(CONFIG)
        with fresh_database(kind, "statuspage") as url:
            port = benchlib.free_port()
            serve = benchlib.warroom_serve(url, config, port, Path(tmp) / "serve.log",
                                           "--no-engine", WARROOM_SECRET_KEY="bench")  # fmt: skip
            with serve:
                load(url)
                log(f"{kind}: {INCIDENTS} published incidents loaded")
                hammer(port, "/status/api/v2/summary.json", 0.5, 1)  # warm-up
                for path, name in (("/status", "status_html"),
                                   ("/status/api/v2/summary.json", "summary_json")):  # fmt: skip
                    latencies, errors = hammer(port, path, seconds, threads)
                    context = {"db": kind, "requests": len(latencies), "errors": errors,
                               "threads": threads, "incidents": INCIDENTS}  # fmt: skip
                    emit(f"{name}_rps", len(latencies) / seconds, "1/s", **context)
                    emit(f"{name}_p99_ms", percentile(latencies, 99), "ms", **context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        measure(kind, 4.0 if args.quick else 20.0, 4)


if __name__ == "__main__":
    main()
