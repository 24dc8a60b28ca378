"""Incidents benchmark: JSON lines on stdout, progress on stderr (see ../shared/bench-format.md).

    python bench/incidents.py [--quick] [--db sqlite|postgresql|both]

With 100,000 incidents (one service each, one `opened` event each) and one incident holding
10,000 timeline events, measures through the real HTTP API of a `uvicorn` server on 127.0.0.1:

- list_p50_ms / list_p99_ms: GET /api/v1/incidents filtered (status + severity, service, or
  since), 50 a page, following next_cursor a few pages deep, as a responder (so the
  private-incident filter is applied);
- timeline_p50_ms / timeline_p99_ms: GET /api/v1/incidents/N/timeline, 50 a page, at random
  positions of the 10,000-event timeline (opaque cursors as the API hands them out).

Latency is measured at the client, per request, over a kept-alive connection. Each line also
carries floor_me_p50_ms / floor_me_p99_ms: GET /api/v1/me measured in the same loop, i.e. what
authentication and the framework cost before any incident work (context on a shared machine).
Fixtures are bulk-inserted into the real, migrated tables (with correct hash chains).
`--quick` uses 20,000 incidents, 10,000 events and fewer requests. PostgreSQL databases are
created fresh (from WARROOM_BENCH_PG_URL, default postgres@127.0.0.1:5432) and dropped
afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import benchlib
from benchlib import fresh_database, percentile

log = functools.partial(benchlib.log, "incidents")
emit = functools.partial(benchlib.emit, "incidents")

SEVERITIES = ["SEV0", "SEV1", "SEV2", "SEV3"]
SERVICES = [f"svc-{i:02d}" for i in range(20)]
# Most incidents of a year are closed; a few are live.
STATUSES = (
    ["closed"] * 85
    + ["resolved"] * 7
    + ["mitigated"] * 2
    + ["acknowledged"] * 3
    + ["triggered"] * 3
)
START = datetime(2025, 1, 1, tzinfo=UTC)


def _incident_rows(count: int, big: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows = []
    span = 365 * 24 * 3600
    for i in range(1, count + 1):
        opened = START + timedelta(seconds=span * i // count)
        status = "acknowledged" if i == big else rng.choice(STATUSES)
        rows.append(
            {
                "id": i,
                "number": i,
                "title": f"Incident {i}",
                "summary": "",
                "severity": rng.choice(SEVERITIES),
                "status": status,
                "impact": {
                    "customer_facing": None,
                    "data_loss": "unknown",
                    "scope": "",
                    "affected": [],
                },
                "drill": False,
                "private": i != big and rng.random() < 0.02,
                "tags": [],
                "source": "bench",
                "dedup_group": None,
                "created_by": "bench@example.com",
                "opened_at": opened,
                "updated_at": opened,
                "last_internal_update_at": opened,
                "last_external_update_at": opened,
                "reopen_count": 0,
            }
        )
    return rows


def _event_rows(incidents: list[dict[str, Any]], big: int, big_events: int) -> list[dict[str, Any]]:
    from warroom.audit.chain import event_hash

    events: list[dict[str, Any]] = []
    for inc in incidents:
        n = big_events if inc["id"] == big else 1
        prev = ""
        for seq in range(1, n + 1):
            kind = "incident:incident:opened" if seq == 1 else "incident:note:added"
            payload: dict[str, Any] = (
                {"number": inc["number"], "severity": inc["severity"]}
                if seq == 1
                else {"text": f"finding {seq}: checked shard {seq % 17}"}
            )
            when = inc["opened_at"] + timedelta(seconds=seq)
            digest = event_hash(
                chain=inc["id"],
                seq=seq,
                incident_id=inc["id"],
                kind=kind,
                actor="bench@example.com",
                occurred_at=when,
                payload=payload,
                prev_hash=prev,
            )
            events.append(
                {
                    "chain": inc["id"],
                    "seq": seq,
                    "incident_id": inc["id"],
                    "kind": kind,
                    "actor": "bench@example.com",
                    "occurred_at": when,
                    "payload": payload,
                    "prev_hash": prev,
                    "hash": digest,
                    "starred": False,
                }
            )
            prev = digest
    return events


def load_fixtures(url: str, count: int, big_events: int) -> tuple[int, str]:
    """Bulk-insert the fixtures; returns (the big incident's number, a responder token)."""
    from sqlalchemy import insert, text
    from tests.factories import make_user

    import warroom.models  # noqa: F401
    from warroom.audit.models import ChainHead, TimelineEvent
    from warroom.auth import service as auth_service
    from warroom.catalog.models import Service, Severity
    from warroom.clock import SystemClock
    from warroom.db import Database
    from warroom.incidents.models import Counter, Incident, IncidentService

    big = count // 2
    started = time.perf_counter()
    incidents = _incident_rows(count, big)
    events = _event_rows(incidents, big, big_events)
    db = Database(url)
    clock = SystemClock()
    with db.session() as session:
        for rank, key in enumerate(SEVERITIES):
            session.add(
                Severity(
                    key=key,
                    name=key,
                    rank=rank,
                    ack_within_s=300 * (rank + 1),
                    respond_within_s=None,
                    resolve_within_s=3600 * (rank + 1),
                    internal_update_every_s=1800,
                    external_update_every_s=3600,
                )
            )
        for key in SERVICES:
            session.add(Service(key=key, name=key))
        session.flush()
        user = make_user(session, clock, "responder@example.com", role="responder")
        _, token = auth_service.create_token(session, clock, user, name="bench")
    with db.engine.begin() as conn:
        for chunk in range(0, len(incidents), 5000):
            conn.execute(insert(Incident.__table__), incidents[chunk : chunk + 5000])
        links = [
            {"incident_id": inc["id"], "service_key": SERVICES[inc["id"] % len(SERVICES)]}
            for inc in incidents
        ]
        for chunk in range(0, len(links), 5000):
            conn.execute(insert(IncidentService.__table__), links[chunk : chunk + 5000])
        for chunk in range(0, len(events), 5000):
            conn.execute(insert(TimelineEvent.__table__), events[chunk : chunk + 5000])
        # Chain heads live in the audit domain's table: the last event of each chain.
        heads = {e["chain"]: (e["seq"], e["hash"]) for e in events}
        conn.execute(
            insert(ChainHead.__table__),
            [{"chain": c, "last_seq": s, "last_hash": h} for c, (s, h) in heads.items()],
        )
        conn.execute(insert(Counter.__table__), [{"name": "incident", "value": count}])
        if db.dialect == "postgresql":
            for table, column in (
                ("incidents", "id"),
                ("incidents", "number"),
                ("incident_services", "id"),
                ("timeline_events", "id"),
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT max({column}) FROM {table}))"
                    )
                )
        conn.execute(text("ANALYZE"))
    db.dispose()
    log(f"loaded {count} incidents, {len(events)} events in {time.perf_counter() - started:.1f}s")
    return big, token


@contextlib.contextmanager
def server(url: str) -> Iterator[str]:
    """A real uvicorn serving warroom on 127.0.0.1, engine off."""
    port = benchlib.free_port()
    env = dict(
        os.environ, WARROOM_DATABASE_URL=url, WARROOM_ENGINE="off", WARROOM_SECRET_KEY="bench"
    )
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "warroom.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with benchlib.server_process(command, port, env=env, timeout=30):
        yield f"http://127.0.0.1:{port}"


def measure(base: str, token: str, big: int, requests: int) -> dict[str, list[float]]:
    import httpx

    from warroom.audit.pagination import encode_cursor

    rng = random.Random(11)
    filters: list[dict[str, Any]] = [
        {"status": ["triggered", "acknowledged"], "severity": "SEV2"},
        {"status": "closed", "severity": "SEV1"},
        {"service": SERVICES[3]},
        {"since": "2025-11-01T00:00:00Z", "severity": ["SEV0", "SEV1"]},
    ]
    timings: dict[str, list[float]] = {"list": [], "timeline": [], "me": []}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        total = requests + requests // 10  # the first tenth warms up and is not counted
        cursor: str | None = None
        params: dict[str, Any] = dict(filters[0])
        for i in range(total):
            if cursor is None or i % 8 == 0:
                params, cursor = dict(filters[i % len(filters)]), None
            started = time.perf_counter()
            response = http.get(
                "/api/v1/incidents",
                params={**params, "limit": 50, **({"cursor": cursor} if cursor else {})},
            )
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            cursor = response.json()["next_cursor"]
            if i >= requests // 10:
                timings["list"].append(elapsed)
            seq = rng.randrange(0, 9950)
            started = time.perf_counter()
            response = http.get(
                f"/api/v1/incidents/{big}/timeline",
                params={"limit": 50, "cursor": encode_cursor(seq=seq)},
            )
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            assert len(response.json()["items"]) == 50
            if i >= requests // 10:
                timings["timeline"].append(elapsed)
            # The floor: an authenticated request that does no incident work at all.
            started = time.perf_counter()
            http.get("/api/v1/me").raise_for_status()
            if i >= requests // 10:
                timings["me"].append((time.perf_counter() - started) * 1000)
    return timings


def run(kind: str, count: int, big_events: int, requests: int) -> None:
    with fresh_database(kind, "incidents") as url:
        big, token = load_fixtures(url, count, big_events)
        with server(url) as base:
            timings = measure(base, token, big, requests)
    floor = timings["me"]
    context = {
        "db": kind,
        "floor_me_p50_ms": round(percentile(floor, 50), 3),
        "floor_me_p99_ms": round(percentile(floor, 99), 3),
        "incidents": count,
        "timeline_events": big_events,
        "requests": requests,
        "server": "uvicorn",
    }
    for name in ("list", "timeline"):
        emit(f"{name}_p50_ms", percentile(timings[name], 50), "ms", **context)
        emit(f"{name}_p99_ms", percentile(timings[name], 99), "ms", **context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="A shorter run (< 45 s)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    count, big_events, requests = (20_000, 10_000, 250) if args.quick else (100_000, 10_000, 2000)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        log(f"{kind}: {count} incidents, {big_events} events on one, {requests} requests each")
        run(kind, count, big_events, requests)


if __name__ == "__main__":
    main()
