"""Real `warroom worker` processes on PostgreSQL: wake-up by NOTIFY, and SIGKILL mid-run."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from tests.integration.engine.conftest import WorkerProcess
from tests.integration.notify.receivers import http_receiver
from warroom.clock import SystemClock
from warroom.db import Database
from warroom.engine.models import DONE, Job
from warroom.notify import service as notify
from warroom.notify.models import SENT, Message

StartWorker = Callable[..., WorkerProcess]


def _queue_pages(db: Database, base_url: str, count: int, prefix: str) -> None:
    clock = SystemClock()
    with db.session() as session:
        for n in range(count):
            notify.queue_message(
                session,
                clock,
                url=f"json://{base_url}/page",
                title=f"page {n}",
                body="Acknowledge: http://127.0.0.1/l/x",
                incident_id=None,
                user_id=None,
                idempotency_key=f"{prefix}:{n}",
                purpose="page",
            )


def _sent(db: Database) -> int:
    with db.session() as session:
        return int(
            session.scalar(select(func.count()).select_from(Message).where(Message.state == SENT))
            or 0
        )


@pytest.mark.postgresql
def test_notify_wakes_a_worker_long_before_its_poll(
    fresh_pg: str, pg_db: Database, start_worker: StartWorker
) -> None:
    with http_receiver() as receiver:
        worker = start_worker(fresh_pg, "listener", "--poll", "60")
        worker.wait_for("listening on warroom_jobs")
        worker.wait_for("started")
        time.sleep(0.5)  # let it finish its first pass and go to sleep for up to 60 s
        _queue_pages(pg_db, receiver.url, 1, "wake")
        deadline = time.monotonic() + 10  # far below the 60 s poll interval
        while not receiver.keys() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.keys() == ["wake:0"]
        assert worker.terminate() == 0  # SIGTERM: a clean stop
    assert "stopped" in worker.output()


@pytest.mark.postgresql
def test_three_workers_one_killed_every_page_delivered(
    fresh_pg: str, pg_db: Database, start_worker: StartWorker, record_property: Callable[..., None]
) -> None:
    pages = 300
    with http_receiver() as receiver:
        receiver.delay = 0.01  # a provider that takes 10 ms per page keeps workers busy
        env = {"WARROOM_ENGINE_BATCH": "10"}
        workers = [
            start_worker(fresh_pg, f"w{n}", "--poll", "1", "--lease", "3", **env) for n in range(3)
        ]
        for worker in workers:
            worker.wait_for("listening on warroom_jobs")
        _queue_pages(pg_db, receiver.url, pages, "kill")
        deadline = time.monotonic() + 30
        while len(set(receiver.keys())) < pages // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        workers[0].kill()  # SIGKILL: no chance to give its claimed jobs back
        killed_at = len(set(receiver.keys()))
        deadline = time.monotonic() + 60
        while _sent(pg_db) < pages and time.monotonic() < deadline:
            time.sleep(0.1)
        keys = receiver.keys()
    for worker in workers[1:]:
        assert worker.terminate() == 0
    counts = Counter(keys)
    lost = pages - len(counts)
    duplicates = sum(n - 1 for n in counts.values())
    record_property("lost_pages", lost)
    record_property("duplicate_pages", duplicates)
    print(f"\npages={pages} killed after {killed_at} delivered; lost={lost} dups={duplicates}")
    assert 0 < killed_at < pages, "the kill must land mid-run"
    assert lost == 0
    assert _sent(pg_db) == pages
    with pg_db.session() as session:
        states = Counter(session.scalars(select(Job.state).where(Job.kind == "notify.deliver")))
        taken_over = session.scalar(select(func.count()).select_from(Job).where(Job.attempts > 1))
    assert states == {DONE: pages}
    print(f"jobs taken over after the kill: {taken_over}")


@pytest.mark.postgresql
def test_listener_reconnects_after_losing_its_connection(
    fresh_pg: str, pg_db: Database, start_worker: StartWorker
) -> None:
    from sqlalchemy import text

    with http_receiver() as receiver:
        worker = start_worker(fresh_pg, "relisten", "--poll", "60")
        worker.wait_for("listening on warroom_jobs")
        with pg_db.engine.begin() as conn:  # what a database restart or a proxy timeout does
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            ).scalar()
        assert killed == 1
        deadline = time.monotonic() + 15
        while worker.output().count("listening on warroom_jobs") < 2:
            assert time.monotonic() < deadline, worker.output()[-2000:]
            time.sleep(0.05)
        _queue_pages(pg_db, receiver.url, 1, "again")
        deadline = time.monotonic() + 10  # far below the 60 s poll interval
        while not receiver.keys() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.keys() == ["again:0"]
        assert "LISTEN warroom_jobs lost" in worker.output()
        assert worker.terminate() == 0


@pytest.mark.postgresql
def test_workers_started_with_one_name_hold_leases_apart(
    fresh_pg: str, start_worker: StartWorker
) -> None:
    """`--name` is what a deployment sets once for all its replicas. Two workers holding
    leases under one name could not tell a job taken over from their own (a late completion,
    failure or release would pass for the new holder's)."""
    workers = [start_worker(fresh_pg, "worker", "--poll", "60") for _ in range(2)]
    names = []
    for worker in workers:
        worker.wait_for("started")
        found = re.search(r"worker (\S+) started", worker.output())
        assert found is not None, worker.output()
        names.append(found.group(1))
    assert names[0] != names[1]
    assert all(name.startswith("worker:") for name in names), names
    for worker in workers:
        assert worker.terminate() == 0
