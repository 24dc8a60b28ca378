"""An `actions.execute` job that gives up (its attempts spent on an error before the run
started) ends its run `failed` with the reason, on the timeline: a run never stays `queued`
for good. The fault is injected (the real paths to it are database errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_incident
from tests.integration.actions.conftest import ACTIONS_YAML, apply_config
from warroom.actions import service as actions
from warroom.actions.models import ActionRun
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.models import FAILED, Job
from warroom.engine.worker import Worker
from warroom.settings import Settings


def test_a_run_whose_job_gave_up_is_failed_with_the_reason(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply_config(db, clock, tmp_path / "config", ACTIONS_YAML)
    with db.session() as session:
        incident = make_incident(session, clock)
        run = actions.request_run(
            session, clock, incident, action="annotate", params={"text": "x"},
            actor="alice@example.com", switch=True,
        )  # fmt: skip
        run_id, incident_id = run.id, incident.id

    def broken(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("approval rules could not be read")

    monkeypatch.setattr(actions, "hold_for_approval", broken)
    worker = Worker(db, clock, settings, "w")
    for _ in range(5):  # every attempt, each after its back-off
        worker.run_once()
        clock.advance(hours=2)
    with db.session() as session:
        job = session.query(Job).filter_by(kind="actions.execute").one()
        assert job.state == FAILED
        ended = session.get(ActionRun, run_id)
        assert ended is not None and ended.state == "failed"
        assert "approval rules could not be read" in (ended.error or "")
        events, _ = timeline.timeline_rows(session, incident_id=incident_id, limit=500)
        failed = [e for e in events if e.kind == "action:run:failed"]
        assert [e.actor for e in failed] == ["engine"]
        assert "approval rules could not be read" in failed[0].payload["error"]
