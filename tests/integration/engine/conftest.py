"""Fixtures for engine tests that run real `warroom worker` processes on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, _pg_error, need, no_commit_wait
from warroom.db import Database


@pytest.fixture
def fresh_pg(tmp_path: Path) -> Iterator[str]:
    """A brand-new PostgreSQL database, migrated to head with the real migrations."""
    error = _pg_error()
    need(error is None, f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({error})")
    from warroom.migrate import upgrade

    name = f"warroom_engine_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        no_commit_wait(conn, name)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_db(fresh_pg: str) -> Iterator[Database]:
    database = Database(fresh_pg, pool_size=3, max_overflow=3)
    yield database
    database.dispose()


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, needle: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"worker never logged {needle!r}:\n{self.output()[-3000:]}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return int(self.proc.returncode)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """start_worker(url, "w1", "--poll", "60") runs `warroom worker` in a subprocess."""
    started: list[WorkerProcess] = []

    def start(url: str, name: str, *args: str, **env: str) -> WorkerProcess:
        log = tmp_path / f"{name}-{len(started)}.log"
        environment = dict(os.environ, WARROOM_DATABASE_URL=url, **env)
        environment.pop("WARROOM_ENGINE", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "warroom.cli.main", "worker", "--name", name, *args],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=environment,
        )
        worker = WorkerProcess(proc, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait(5)
