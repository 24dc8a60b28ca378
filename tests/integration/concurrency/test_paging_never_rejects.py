"""An alert is never rejected because paging failed: planning runs as a `paging.plan` job on
the engine, retried and visible, while the alert and its incident are stored and answered."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.concurrency.world import am_body, am_headers, levels_paged, worker
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.models import Job
from warroom.intake.models import Alert
from warroom.paging import runtime
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]


def _plan_jobs(db: Database) -> list[Job]:
    with db.session() as session:
        return list(session.scalars(select(Job).where(Job.kind == runtime.PLAN_KIND)))


def test_a_failing_planner_leaves_the_alert_stored_and_the_job_retried(
    any_world: World, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, settings, client, _ = any_world

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("planner bug")

    monkeypatch.setattr(runtime, "_plan_new", broken)
    r = client.post(
        "/api/v1/intake/alertmanager", json=am_body("api", {"x1": "firing"}), headers=am_headers()
    )
    assert r.status_code == 202, r.text
    (number,) = r.json()["incidents"]
    with db.session() as session:
        assert session.scalar(select(Alert.incident_number)) == number
    (job,) = _plan_jobs(db)
    assert job.state == "pending" and job.run_at == clock.now()  # due at once

    worker(db, clock, settings).run_once()
    (job,) = _plan_jobs(db)
    assert job.state == "pending" and job.attempts == 1 and "planner bug" in (job.last_error or "")
    with db.session() as session:
        admin = auth_service.ensure_user(
            session, clock, email="admin@race.test", name="Admin", role="admin"
        )
        _, token = auth_service.create_token(session, clock, admin, name="t")
    listed = client.get(
        "/api/v1/engine/jobs",
        params={"kind": runtime.PLAN_KIND},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [j["id"] for j in listed] == [job.id] and "planner bug" in str(listed[0])

    monkeypatch.undo()  # the bug is fixed: the retry plans and pages
    clock.advance(job.run_at - clock.now())
    worker(db, clock, settings).run_once()
    (job,) = _plan_jobs(db)
    assert job.state == "done"
    assert levels_paged(db, number) == [1]
