"""The embedded worker of `warroom serve`: started with the app, woken by commits."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from warroom.app import create_app
from warroom.clock import SystemClock
from warroom.db import Database
from warroom.engine import service
from warroom.engine.models import DONE, Job
from warroom.engine.options import EngineOptions
from warroom.engine.registry import JobContext, handler, register_module
from warroom.engine.worker import Worker
from warroom.settings import Settings

SEEN: list[int] = []
SEEN_EVENT = threading.Event()


@handler("test.embedded")
def embedded(ctx: JobContext, job: Job) -> None:
    SEEN.append(job.id)
    SEEN_EVENT.set()


@pytest.fixture(autouse=True)
def _reset() -> None:
    SEEN.clear()
    SEEN_EVENT.clear()


def _enqueue(db: Database) -> int:
    with db.session() as session:
        return service.enqueue(session, SystemClock(), "test.embedded", {}).id


def _state(db: Database, job_id: int) -> str:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state


def test_commit_wakes_a_sleeping_worker_in_process(db: Database, settings: Settings) -> None:
    worker = Worker(db, SystemClock(), settings, "w", options=EngineOptions(poll_seconds=60))
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        assert worker.sleeping.wait(10)  # first pass done; now asleep for up to 60 s
        job_id = _enqueue(db)
        assert SEEN_EVENT.wait(10), "the commit did not wake the worker"
        assert [job_id] == SEEN
    finally:
        worker.stop()
        thread.join(5)
    assert not thread.is_alive()
    assert _state(db, job_id) == DONE


@pytest.fixture
def serving(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("WARROOM_ENGINE_POLL_SECONDS", "60")
    app = create_app(settings, db=db, clock=SystemClock())
    with TestClient(app) as client:
        yield client


def test_serve_runs_an_embedded_worker(
    db: Database, serving: TestClient, make_token: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {make_token('viewer')}"}
    status = serving.get("/api/v1/engine/status", headers=headers).json()
    assert status["embedded_worker"] is True
    job_id = _enqueue(db)
    assert SEEN_EVENT.wait(10)
    assert [job_id] == SEEN


def test_no_engine_means_no_embedded_worker(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_ENGINE", "off")
    app = create_app(settings, db=db, clock=SystemClock())
    with TestClient(app):
        assert app.state.engine_worker is None
        job_id = _enqueue(db)
    assert _state(db, job_id) == "pending"
    assert SEEN == []


# The test handlers above, registered as the composition root registers domain modules.
register_module(sys.modules[__name__])
