"""A Watchdog delivery that also carries an alert's resolution, racing another resolution of
that alert, forced on PostgreSQL. The alert joined the heartbeat's incident by inhibition, so
both requests lock the alert row and the incident. Intake used to ping the heartbeat first:
the recovery took the incident row before the alert row, the other request the alert row
before the incident: a deadlock. Now every alert row comes first (docs/dev/engine.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BindApp
from tests.integration.concurrency import test_intake_cross_incidents as cross
from tests.integration.concurrency.world import Pause
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings

ORG = (
    cross.ORG
    + """\
heartbeats:
  - name: am-watchdog
    interval: 1m
    grace: 1m
    severity: SEV1
    service: api
    title: Alertmanager stopped reporting
    alertname: Watchdog
"""
)

WATCHDOG = {
    "status": "firing",
    "labels": {"alertname": "Watchdog"},
    "annotations": {"summary": "always firing"},
    "startsAt": "2026-01-05T10:00:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "fingerprint": "watchdog",
}


@pytest.fixture
def world(
    bind_app: BindApp,
    pg_db: Database,
    clock: FakeClock,
    tmp_path: Any,
    fake_sender: senders.FakeSender,
) -> Iterator[tuple[Database, TestClient, Worker]]:
    settings = Settings(database_url=pg_db.url, secret_key="test-secret", data_dir=tmp_path)
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with pg_db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    with TestClient(bind_app(settings, pg_db, clock)) as client:
        yield pg_db, client, Worker(pg_db, clock, settings, "race-worker")


def test_a_watchdog_recovery_and_a_resolution_of_the_same_alert(
    world: tuple[Database, TestClient, Worker], clock: FakeClock
) -> None:
    db, client, worker = world
    clock.advance(timedelta(minutes=3))
    worker.run_once()  # the heartbeat missed: its incident H (SEV1, api) is open
    h = cross._opened(client, cross._alert("c1", "c"))  # c1 joins H by inhibition
    assert cross._kinds(db, h, "heartbeat:heartbeat:missed")
    r1, r2, deadlocks, waited = cross._first_holds(
        db,
        Pause(cross.HEAD_BUMP),  # the first request recorded on H: it holds H
        lambda: cross._send(client, WATCHDOG, cross._alert("c1", "c", "resolved")),
        lambda: cross._send(client, cross._alert("c1", "c", "resolved")),
    )
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, "the second request must wait for the first"
    assert (r1.status_code, r2.status_code) == (202, 202), (r1.text, r2.text)
    assert (r1.json()["resolved"], r2.json()["resolved"]) == (1, 0)
    assert len(cross._kinds(db, h, "heartbeat:heartbeat:recovered")) == 1
    assert len(cross._kinds(db, h, "intake:alert:resolved")) == 1
