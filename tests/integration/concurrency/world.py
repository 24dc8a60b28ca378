"""An organisation that pages, an Alertmanager integration, and the tools to force an
interleaving: pause one thread at an exact statement, see another wait on a lock."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, text

from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents.models import Incident
from warroom.settings import Settings

SECRET = "prom-concurrency-secret-0123"
HOOK = "json://127.0.0.1:9"

ORG = f"""\
severities:
  - {{key: SEV1, name: Critical, acknowledge_within: 5m}}
users:
  - email: oncall@race.test
    name: On-call
    contact_methods: [{{name: push, url: "{HOOK}/oncall"}}]
  - email: lead@race.test
    name: Lead
    contact_methods: [{{name: push, url: "{HOOK}/lead"}}]
  - email: cto@race.test
    name: CTO
    contact_methods: [{{name: push, url: "{HOOK}/cto"}}]
escalation_policies:
  - key: ops
    levels:
      - {{notify: [user:oncall@race.test], escalate_after: 5m}}
      - {{notify: [user:lead@race.test], escalate_after: 5m}}
      - {{notify: [user:cto@race.test], escalate_after: 5m}}
services:
  - {{key: db, name: Database, escalation_policy: ops, auto_resolve: true}}
  - {{key: api, name: API, escalation_policy: ops}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{SECRET}"}}
routes:
  - key: by-service
    service_label: service
    severity: SEV1
    group_by: [service]
"""

WAIT = 30.0  # generous bound on waiting for another thread; never reached when things work


def apply(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "race-worker")


def am_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}


def am_body(service: str, alerts: dict[str, str]) -> dict[str, Any]:
    """An Alertmanager notification: fingerprint -> 'firing' | 'resolved'."""
    items = [
        {
            "status": status,
            "labels": {"alertname": "Down", "service": service, "instance": fp},
            "annotations": {"summary": f"{service} {fp} is down"},
            "startsAt": "2026-01-05T10:00:00Z",
            "endsAt": "2026-01-05T10:09:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
            "fingerprint": fp,
        }
        for fp, status in alerts.items()
    ]
    firing = any(a["status"] == "firing" for a in items)
    return {
        "receiver": "warroom",
        "status": "firing" if firing else "resolved",
        "alerts": items,
        "groupLabels": {"service": service},
        "commonLabels": {"service": service},
        "version": "4",
        "groupKey": f'{{}}:{{service="{service}"}}',
    }


def events(db: Database, number: int, kind: str) -> list[dict[str, Any]]:
    with db.session() as session:
        incident_id = session.scalar(select(Incident.id).where(Incident.number == number))
        rows = session.scalars(
            select(TimelineEvent.payload)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == kind)
            .order_by(TimelineEvent.seq)
        )
        return [dict(p) for p in rows]


def levels_paged(db: Database, number: int) -> list[int]:
    return [int(p["level"]) for p in events(db, number, "paging:escalation:triggered")]


def status_of(db: Database, number: int) -> str:
    with db.session() as session:
        return str(session.scalar(select(Incident.status).where(Incident.number == number)))


class Pause:
    """Stops the first thread that runs a matching statement, right after it ran, until
    `resume()`: the point between two lock acquisitions, chosen by SQL, not by a sleep."""

    def __init__(self, pattern: str, *, only: Callable[[], bool] = lambda: True) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        self.only = only
        self.reached = threading.Event()
        self._go = threading.Event()
        self._armed = True
        self._guard = threading.Lock()
        self.inside: Callable[[], None] | None = None  # runs in the paused thread

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.pattern.search(statement) or not self.only():
            return
        with self._guard:
            if not self._armed:
                return
            self._armed = False
        if self.inside is not None:
            self.inside()
        self.reached.set()
        assert self._go.wait(WAIT), "never resumed"

    def wait_reached(self) -> None:
        assert self.reached.wait(WAIT), f"no statement matched {self.pattern.pattern!r}"

    def resume(self) -> None:
        self._go.set()


@contextmanager
def paused(db: Database, pause: Pause) -> Iterator[Pause]:
    event.listen(db.engine, "after_cursor_execute", pause)
    try:
        yield pause
    finally:
        pause.resume()
        event.remove(db.engine, "after_cursor_execute", pause)


class WriteProbe:
    """Tries to take SQLite's write lock at once from another connection (as `pause.inside`):
    when the paused transaction already holds it, the probe is refused and says so in
    `refused`. Shows that a path reads inside its write transaction, so nothing can be
    written between its read and its write."""

    def __init__(self, db: Database) -> None:
        self.path = db.url.removeprefix("sqlite:///")
        self.refused: list[str] = []

    def __call__(self) -> None:
        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            self.refused.append(str(exc))
        finally:
            other.close()

    @property
    def locked_out(self) -> bool:
        return bool(self.refused) and "locked" in self.refused[0]


def wait_blocked_or_done(db: Database, thread: threading.Thread) -> bool:
    """Until another session waits on a row lock (True) or `thread` finished (False)."""
    deadline = time.monotonic() + WAIT
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(query).scalar():
                return True
            conn.rollback()  # pg_stat_activity is a per-transaction snapshot
            if not thread.is_alive():
                return False
            thread.join(0.01)
    raise AssertionError("the other session neither blocked nor finished")


class Run(threading.Thread):
    """A thread that keeps what its target returned or raised."""

    def __init__(self, target: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._target_fn = target
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._target_fn()
        except BaseException as exc:  # asserted by the test
            self.error = exc

    def outcome(self) -> Any:
        self.join(WAIT)
        assert not self.is_alive(), "thread still running: a deadlock?"
        if self.error is not None:
            raise self.error
        return self.result


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
