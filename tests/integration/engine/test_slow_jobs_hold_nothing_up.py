"""A job that calls out and takes long (an action's command, an export) runs beside the rest:
pages planned while it runs go out at once, on both databases."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import Kubectl, apply_config, request
from tests.integration.actions.conftest import kubectl as kubectl  # the fixture
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.models import DONE, Job
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.settings import Settings

HANGING_ACTION = """
action_settings:
  enabled: true
actions:
  - id: drain
    title: Drain a node (takes minutes)
    kind: command
    argv: [kubectl, hang]
    timeout: 10m
    reversible: false
"""


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def running_worker(db: Database, clock: FakeClock, settings: Settings) -> Iterator[Worker]:
    """The default worker (as `warroom serve` runs it), running on its own thread."""
    worker = Worker(db, clock, settings, "w", options=EngineOptions(poll_seconds=0.2))
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(20)


def _planned(db: Database, incident_id: int) -> bool:
    with db.session() as session:
        plans = session.query(Job).filter_by(kind="paging.plan", incident_id=incident_id).all()
        return bool(plans) and all(job.state == DONE for job in plans)


def test_a_long_action_does_not_hold_up_paging(
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    kubectl: Kubectl,
    client: TestClient,
    make_token: MakeToken,
    running_worker: Worker,
) -> None:
    apply_config(db, clock, tmp_path / "config", HANGING_ACTION)
    with db.session() as session:
        seed_catalog(session)
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    first = client.post(
        "/api/v1/incidents", json={"title": "Disk full", "severity": "SEV2"}, headers=alice
    )
    assert first.status_code == 201, first.text
    answer = request(client, alice, int(first.json()["number"]), "drain")
    assert answer.status_code == 202, answer.text
    pid_file = Path(f"{kubectl.log}.pid")
    assert _wait(pid_file.exists, 30), "the action never started"
    try:
        body = {"title": "Site down", "severity": "SEV1"}
        second = client.post("/api/v1/incidents", json=body, headers=alice)
        assert second.status_code == 201, second.text
        incident_id = int(second.json()["id"])
        # The action's command is still running (it hangs until killed below).
        assert _wait(lambda: _planned(db, incident_id), 15), (
            "the new incident's paging plan waited for the action's command"
        )
    finally:
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
