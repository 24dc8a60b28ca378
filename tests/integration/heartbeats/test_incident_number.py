"""The heartbeats API names the incident a miss opened by its number (INC-N), as people do;
its internal id stays for clients that read it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.heartbeats.test_rearm import WATCHDOG, apply, miss
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


@pytest.fixture(autouse=True)
def fake_sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def test_a_down_heartbeat_shows_its_incidents_number(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    admin_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    apply(db, clock, WATCHDOG.format(auto="false"))
    listed = client.get("/api/v1/heartbeats", headers=viewer_headers).json()
    assert [(h["incident_number"], h["incident_id"]) for h in listed] == [(None, None)]
    opened = miss(db, clock, Worker(db, clock, settings, "w"))
    with db.session() as session:
        number = incidents.get_incident_by_id(session, opened).number
    listed = client.get("/api/v1/heartbeats", headers=viewer_headers).json()
    shown = client.get("/api/v1/heartbeats/watchdog", headers=admin_headers).json()
    for out in (listed[0], shown):
        assert out["state"] == "down"
        assert out["incident_number"] == number and out["incident_id"] == opened


def test_heartbeat_list_names_a_down_heartbeats_incident(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    apply(db, clock, WATCHDOG.format(auto="false"))
    up = cli("heartbeat", "list")
    assert up.exit_code == 0, up.output
    assert "Incident" in up.output and "INC-" not in up.output
    opened = miss(db, clock, Worker(db, clock, settings, "w"))
    with db.session() as session:
        number = incidents.get_incident_by_id(session, opened).number
    down = cli("heartbeat", "list")
    assert down.exit_code == 0, down.output
    row = next(line for line in down.output.splitlines() if "watchdog" in line)
    assert "down" in row and f"INC-{number}" in row, down.output
