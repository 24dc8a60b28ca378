"""A job whose handler never returns: past its kind's maximum run time its lease is no longer
renewed, the engine status (`warroom jobs status`) and the log say so, the job can be claimed
again, and the hung thread holds up none of the worker's other work."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import DONE, Job
from warroom.engine.options import EngineOptions
from warroom.engine.registry import JobContext, handler, register_module
from warroom.engine.worker import Worker
from warroom.settings import Settings

HANG = threading.Event()
STARTED = threading.Event()
QUICK: list[int] = []


@handler("test.hangs", max_run=timedelta(minutes=5))
def hangs(ctx: JobContext, job: Job) -> None:
    if job.attempts == 1:  # the first attempt never returns (until the test ends)
        STARTED.set()
        HANG.wait(60)


@handler("test.quick")
def quick(ctx: JobContext, job: Job) -> None:
    QUICK.append(job.id)


@handler("test.hangs_pooled", max_run=timedelta(minutes=5))
def hangs_pooled(ctx: JobContext, job: Job) -> None:
    hangs(ctx, job)


@handler("test.quick_pooled")
def quick_pooled(ctx: JobContext, job: Job) -> None:
    QUICK.append(job.id)


register_module(sys.modules[__name__])


def _job(db: Database, job_id: int) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _wait(condition: Callable[[], bool], seconds: float = 20) -> bool:
    tick = threading.Event()
    for _ in range(int(seconds / 0.02)):
        if condition():
            return True
        tick.wait(0.02)
    return False


@pytest.fixture
def running(db: Database, clock: FakeClock, settings: Settings) -> Iterator[Worker]:
    HANG.clear(), STARTED.clear(), QUICK.clear()
    options = EngineOptions(lease_seconds=0.3, poll_seconds=0.1)
    worker = Worker(db, clock, settings, "w", options=options)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    yield worker
    HANG.set()
    worker.stop()
    thread.join(20)
    assert not thread.is_alive()


def test_a_hung_job_is_given_up_past_its_limit_and_holds_nothing_up(
    db: Database, clock: FakeClock, running: Worker, caplog: pytest.LogCaptureFixture
) -> None:
    with db.session() as session:
        hung = engine.enqueue(session, clock, "test.hangs", {}).id
    assert STARTED.wait(20)
    with db.session() as session:
        other = engine.enqueue(session, clock, "test.quick", {}).id
    clock.advance(minutes=4)  # within its limit: the lease is kept
    assert _wait(lambda: (_job(db, hung).lease_until or clock.now()) > clock.now())
    assert QUICK == []  # one job at a time on the serial thread, as before
    with caplog.at_level(logging.WARNING, logger="warroom.engine"):
        clock.advance(minutes=2)  # past its 5 minutes
        assert _wait(lambda: [other] == QUICK), "the hung job held up the next one"
        assert _wait(lambda: _job(db, hung).state == DONE)  # claimed again, ran again
    assert _job(db, hung).attempts == 2
    assert any("over its limit" in r.getMessage() for r in caplog.records)
    HANG.set()  # the first attempt returns at last: its result is dropped
    assert _wait(lambda: running.serial.busy() == 0)
    assert _job(db, hung).state == DONE


def test_engine_status_and_the_cli_name_a_job_running_past_its_limit(
    client: TestClient,
    viewer_headers: dict[str, str],
    cli: Callable[..., Any],
    db: Database,
    clock: FakeClock,
) -> None:
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "test.hangs", {}).id
        engine.claim(session, clock, "stuck-worker", lease=timedelta(minutes=30))
    clock.advance(minutes=6)
    status = client.get("/api/v1/engine/status", headers=viewer_headers).json()
    assert [(o["id"], o["kind"], o["locked_by"]) for o in status["overrun"]] == [
        (job_id, "test.hangs", "stuck-worker")
    ]
    assert status["overrun"][0]["running_seconds"] == 360
    assert status["overrun"][0]["limit_seconds"] == 300
    shown = cli("jobs", "status")
    assert shown.exit_code == 0, shown.output
    assert f"job {job_id} (test.hangs) has run for 6m" in shown.output
    as_json = json.loads(cli("jobs", "status", "--json").output)
    assert as_json["overrun"][0]["id"] == job_id


def test_a_worker_asked_to_stop_waits_for_no_hung_job_past_its_limit(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    HANG.clear(), STARTED.clear()
    options = EngineOptions(lease_seconds=0.3, poll_seconds=0.1)
    worker = Worker(db, clock, settings, "stopping", options=options)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        with db.session() as session:
            engine.enqueue(session, clock, "test.hangs", {})
        assert STARTED.wait(20)
        worker.stop()  # SIGTERM: the job in hand may finish ...
        clock.advance(minutes=6)  # ... but it is hung past its limit
        thread.join(15)
        assert not thread.is_alive(), "the worker waited for a hung job to return"
    finally:
        HANG.set()
        thread.join(20)


def test_a_hung_pooled_job_frees_its_thread_for_the_next(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    HANG.clear(), STARTED.clear(), QUICK.clear()
    kinds = "test.hangs_pooled,test.quick_pooled"
    options = EngineOptions(lease_seconds=0.3, poll_seconds=0.1, concurrent_kinds=kinds, threads=1)
    worker = Worker(db, clock, settings, "pooled", options=options)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        with db.session() as session:
            hung = engine.enqueue(session, clock, "test.hangs_pooled", {}).id
        assert STARTED.wait(20)
        with db.session() as session:
            other = engine.enqueue(session, clock, "test.quick_pooled", {}).id
        clock.advance(minutes=6)
        assert _wait(lambda: other in QUICK), "the hung job kept the pool's only thread"
        assert _wait(lambda: _job(db, hung).state == DONE)
    finally:
        HANG.set()
        worker.stop()
        thread.join(20)
    assert not thread.is_alive()
