"""A failed job's recorded error names the database error, never its SQL or row values.

The handler below runs into a real unique violation on the row value SECRET; the real Worker
records the failure. `last_error` (in the database, through the jobs API and CLI) and the
worker's log line say which error it was, but not the statement, its parameters or
PostgreSQL's DETAIL line ("Key (email)=(...) already exists").
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler, register_module
from warroom.engine.worker import Worker
from warroom.settings import Settings

SECRET = "secret-value-42"
LEAKS = (SECRET, "INSERT", "[parameters", "parameters", "DETAIL", "Key (")


@handler("test.job_error_duplicate")
def duplicate(ctx: JobContext, job: Job) -> None:
    if job.payload["how"] == "orm":  # the value travels as a bound parameter
        ctx.session.add(User(email=SECRET, name="Copy", role="viewer", created_at=ctx.clock.now()))
        ctx.session.flush()
    else:  # the value is written into the statement itself
        ctx.session.execute(
            text(
                "INSERT INTO users (email, name, role, time_zone, active, managed, created_at) "
                f"VALUES ('{SECRET}', 'Copy', 'viewer', 'UTC', true, false, CURRENT_TIMESTAMP)"
            )
        )


def _no_leak(where: str, shown: str) -> None:
    for leak in LEAKS:
        assert leak.lower() not in shown.lower(), f"{where} shows {leak!r}: {shown}"


@pytest.mark.parametrize("how", ["orm", "sql"])
def test_a_database_error_is_recorded_without_sql_or_values(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    admin_headers: dict[str, str],
    cli: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    with db.session() as session:
        session.add(User(email=SECRET, name="Original", role="viewer", created_at=clock.now()))
        job_id = engine.enqueue(session, clock, "test.job_error_duplicate", {"how": how}).id
    with caplog.at_level(logging.INFO, logger="warroom"):
        assert Worker(db, clock, settings).run_once() == 1

    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        recorded = job.last_error or ""
        assert (job.state, job.attempts) == ("pending", 1)
    _no_leak("last_error", recorded)
    first = recorded.splitlines()[0]
    assert first.startswith("IntegrityError: a unique constraint was violated"), recorded
    if db.dialect == "postgresql":
        assert first == "IntegrityError: a unique constraint was violated (uq_users_email)"

    failed = [r.getMessage() for r in caplog.records if f"job {job_id} " in r.getMessage()]
    assert len(failed) == 1 and "IntegrityError" in failed[0], failed
    _no_leak("the worker's log line", failed[0])

    shown = client.get(f"/api/v1/engine/jobs/{job_id}", headers=admin_headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["last_error"] == recorded

    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table cells are not wrapped
    listed = cli("jobs", "list", "--json")
    assert [j["last_error"] for j in json.loads(listed.output) if j["id"] == job_id] == [recorded]
    table = cli("jobs", "list")
    assert table.exit_code == 0 and "IntegrityError" in table.output, table.output
    _no_leak("warroom jobs list", table.output)


# The test handler above, registered as the composition root registers domain modules.
register_module(sys.modules[__name__])
