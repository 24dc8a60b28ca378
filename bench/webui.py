"""Web UI benchmark: JSON lines on stdout, progress on stderr (see ../shared/bench-format.md).

    python bench/webui.py [--quick] [--db sqlite|postgresql|both]

With 10,000 incidents in the database (the incidents benchmark's fixtures: one service and an
`opened` event each, one incident holding a long timeline), an alert per incident, a page per
incident (a fifth of them to the signed-in person), and an organisation applied through the
real config service (users, schedules, escalation policies, services), times the server-side
rendering of every page through the real app: an in-process ASGI client (no network), signed
in through the login form as an admin, each page requested repeatedly, the first tenth
discarded as warm-up. One `page_server_p50_ms` and one `page_server_p99_ms` line per page
(`page` field), per `db`. Target: under 100 ms each. Each line also carries `cpu_p50_ms` /
`cpu_p99_ms` (the process CPU time of a request: what the page costs, apart from waiting for
a core on a shared machine) and the 1-minute load average while it ran.

`--quick` keeps the 10,000 incidents but uses a 2,000-event timeline and fewer requests.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import time
from datetime import timedelta
from typing import Any

import benchlib
import incidents as fixtures  # bench/incidents.py: the incidents and their timelines
from benchlib import fresh_database, percentile

log = functools.partial(benchlib.log, "webui")
emit = functools.partial(benchlib.emit, "webui")

PASSWORD = "bench password for the web ui"
ADMIN = "admin@bench.test"
PEOPLE = [f"oncall{i}@bench.test" for i in range(8)]
PAGES = {
    "dashboard": "/",
    "incidents": "/ui/incidents",
    "incident": "/ui/incidents/{big}",
    "alerts": "/ui/alerts",
    "silences": "/ui/silences",
    "oncall": "/ui/oncall",
    "services": "/ui/services",
    "config": "/ui/config",
    "admin": "/ui/admin",
    "postmortems": "/ui/postmortems",
    # A quarter of the fixtures' year (they are opened through 2025).
    "analytics": "/ui/analytics?since=2025-07-01&until=2025-10-01&bucket=week",
}


def org() -> str:
    """Severities and services under the fixtures' keys, with people, rotations and ladders."""
    users = "".join(
        f"  - email: {p}\n    name: On call {i}\n"
        f"    contact_methods: [{{name: mail, email: {p}}}]\n"
        for i, p in enumerate([ADMIN, *PEOPLE])
    )
    schedules = "".join(
        f"  - key: rota-{i}\n    layers:\n"
        f"      - {{name: weekly, participants: [{PEOPLE[i]}, {PEOPLE[(i + 1) % 8]}], "
        f'shift: weekly, start: "2025-01-06"}}\n'
        for i in range(4)
    )
    policies = "".join(
        f"  - key: pol-{i}\n    levels:\n"
        f"      - {{notify: [schedule:rota-{i}], escalate_after: 10m}}\n"
        f"      - {{notify: [user:{ADMIN}]}}\n"
        for i in range(4)
    )
    severities = "".join(
        f"  - {{key: {k}, name: {k}, acknowledge_within: {5 * (r + 1)}m}}\n"
        for r, k in enumerate(fixtures.SEVERITIES)
    )
    services = "".join(
        f"  - {{key: {k}, name: Service {k}, escalation_policy: pol-{i % 4}}}\n"
        for i, k in enumerate(fixtures.SERVICES)
    )
    return (
        f"severities:\n{severities}users:\n{users}schedules:\n{schedules}"
        f"escalation_policies:\n{policies}services:\n{services}"
    )


def _alert_row(i: int, incident: Any) -> dict[str, Any]:
    """One Alertmanager alert of the incident, shaped as intake stores it (a tenth firing)."""
    incident_id, number, severity, opened = incident
    service = fixtures.SERVICES[incident_id % len(fixtures.SERVICES)]
    labels = {"alertname": f"HighErrorRate{i % 50}", "service": service, "severity": "page"}
    return {
        "integration": "am",
        "fingerprint": f"{i:016x}",
        "status": "firing" if i % 10 == 0 else "resolved",
        "labels": labels,
        "annotations": {"summary": f"{service} error rate above 5%"},
        "summary": f"{service} error rate above 5%",
        "severity_hint": "page",
        "starts_at": opened,
        "ends_at": None,
        "links": [],
        "raw": {"labels": labels},
        "first_seen_at": opened,
        "last_seen_at": opened + timedelta(minutes=5),
        "resolved_at": None if i % 10 == 0 else opened + timedelta(minutes=30),
        "acknowledged_at": None,
        "count": 1,
        "route": "default",
        "service": service,
        "severity": severity,
        "group_key": f"am:{service}:{labels['alertname']}",
        "incident_id": incident_id,
        "incident_number": number,
        "suppressed_by": None,
    }


def _page_row(i: int, incident: Any, users: dict[str, int]) -> dict[str, Any]:
    """The level-1 page of the incident (a fifth of them to the signed-in admin)."""
    incident_id, number, severity, opened = incident
    person = ADMIN if i % 5 == 0 else PEOPLE[i % len(PEOPLE)]
    return {
        "incident_id": incident_id,
        "user_id": users[person],
        "reason": "escalation",
        "generation": 0,
        "target": "level 1",
        "title": f"[{severity}] INC-{number}: Incident {number}",
        "body": f"INC-{number} needs you",
        "created_at": opened + timedelta(seconds=20),
    }


def seed(url: str, count: int, big_events: int) -> int:
    """The incidents benchmark's fixtures, the organisation, an alert and a page per incident;
    the admin's password. Returns the number of the incident with the long timeline."""
    from sqlalchemy import insert, select, text

    from warroom.auth import service as auth_service
    from warroom.auth.models import User
    from warroom.auth.passwords import hash_password
    from warroom.clock import SystemClock
    from warroom.config import service as config_service
    from warroom.db import Database
    from warroom.incidents.models import Incident
    from warroom.intake.models import Alert
    from warroom.paging.models import Page
    from warroom.wiring import install

    install()  # the config sections, as `warroom serve` registers them
    big, _ = fixtures.load_fixtures(url, count, big_events)
    started = time.perf_counter()
    db = Database(url)
    clock = SystemClock()
    doc, problems = config_service.load_files({"org.yaml": org()})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="bench")
        admin = auth_service.ensure_user(session, clock, email=ADMIN, name="Admin", role="admin")
        admin.role = "admin"
        admin.password_hash = hash_password(PASSWORD)
        session.commit()
        users = {u.email: u.id for u in session.scalars(select(User))}
        rows = session.execute(
            select(Incident.id, Incident.number, Incident.severity, Incident.opened_at)
        ).all()
    alerts = [_alert_row(i, row) for i, row in enumerate(rows)]
    pages = [_page_row(i, row, users) for i, row in enumerate(rows)]
    with db.engine.begin() as conn:
        for chunk in range(0, len(alerts), 5000):
            conn.execute(insert(Alert.__table__), alerts[chunk : chunk + 5000])
            conn.execute(insert(Page.__table__), pages[chunk : chunk + 5000])
        conn.execute(text("ANALYZE"))
    db.dispose()
    took = time.perf_counter() - started
    log(f"organisation, {len(alerts)} alerts, {len(pages)} pages in {took:.1f}s")
    return big


def signed_in_client(url: str) -> Any:
    """The real app (engine off) behind an in-process ASGI client, signed in as the admin."""
    os.environ.update(
        WARROOM_DATABASE_URL=url, WARROOM_ENGINE="off", WARROOM_SECRET_KEY="bench-webui"
    )
    from fastapi.testclient import TestClient

    from warroom.app import create_app

    client = TestClient(create_app(), base_url="http://127.0.0.1")
    client.__enter__()
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "no csrf token on the login page"
    answer = client.post(
        "/login",
        data={"email": ADMIN, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, (answer.status_code, answer.text[:500])
    return client


def measure(client: Any, big: int, requests: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per page: wall-clock and process CPU milliseconds of each request (warm-up dropped).
    The CPU time (the app runs in this process) stays meaningful on a busy shared machine."""
    timings: dict[str, tuple[list[float], list[float]]] = {}
    warm = max(1, requests // 10)
    for name, path in PAGES.items():
        path = path.format(big=big)
        wall: list[float] = []
        cpu: list[float] = []
        for i in range(requests + warm):
            started, cpu_started = time.perf_counter(), time.process_time()
            answer = client.get(path, follow_redirects=False)
            elapsed = (time.perf_counter() - started) * 1000
            used = (time.process_time() - cpu_started) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{path}: {answer.status_code} {answer.text[:300]}")
            if i >= warm:
                wall.append(elapsed)
                cpu.append(used)
        timings[name] = (wall, cpu)
        log(
            f"{name}: p50 {percentile(wall, 50):.1f} ms, p99 {percentile(wall, 99):.1f} ms "
            f"(cpu p50 {percentile(cpu, 50):.1f} ms, p99 {percentile(cpu, 99):.1f} ms)"
        )
    return timings


def run(kind: str, count: int, big_events: int, requests: int) -> None:
    with fresh_database(kind, "webui") as url:
        big = seed(url, count, big_events)
        client = signed_in_client(url)
        try:
            timings = measure(client, big, requests)
        finally:
            client.__exit__(None, None, None)
    context = {
        "db": kind,
        "incidents": count,
        "timeline_events": big_events,
        "requests": requests,
        "server": "asgi-in-process",
    }
    for name, (wall, cpu) in timings.items():
        cpu_context = {
            "cpu_p50_ms": round(percentile(cpu, 50), 3),
            "cpu_p99_ms": round(percentile(cpu, 99), 3),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            **context,
        }
        emit("page_server_p50_ms", percentile(wall, 50), "ms", page=name, **cpu_context)
        emit("page_server_p99_ms", percentile(wall, 99), "ms", page=name, **cpu_context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="A shorter run (< 45 s)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    count, big_events, requests = (10_000, 2_000, 10) if args.quick else (10_000, 10_000, 100)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        log(f"{kind}: {count} incidents, {big_events} events on one, {requests} requests a page")
        run(kind, count, big_events, requests)


if __name__ == "__main__":
    main()
