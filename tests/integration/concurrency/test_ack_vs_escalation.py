"""An acknowledgement racing the level-2 escalation job, forced in both orders on PostgreSQL,
and the SQLite variant: whoever takes the incident row first wins, the other waits its turn;
never a deadlock, never a 500, never a page after the ack."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.concurrency.world import (
    Pause,
    Run,
    WriteProbe,
    am_body,
    am_headers,
    levels_paged,
    minutes,
    paused,
    status_of,
    wait_blocked_or_done,
    worker,
)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
# The escalation job's read of the escalation state (taken after the incident row).
STATE_READ = r"FROM paging_incident_escalations"
# A transition's first lock: the incident row, with its updated_at.
ACK_LOCK = r"^UPDATE incidents SET updated_at"


def _open(world: World, clock: FakeClock) -> int:
    db, settings, client, _ = world
    r = client.post(
        "/api/v1/intake/alertmanager", json=am_body("api", {"a1": "firing"}), headers=am_headers()
    )
    assert r.status_code == 202, r.text
    (number,) = r.json()["incidents"]
    assert worker(db, clock, settings).run_once() >= 1
    assert levels_paged(db, number) == [1]
    clock.advance(minutes(5))  # level 2 is due now
    return int(number)


def _ack(client: TestClient, token: str, number: int) -> Any:
    return client.post(
        f"/api/v1/incidents/{number}/ack", headers={"Authorization": f"Bearer {token}"}
    )


def test_escalation_first_pages_then_the_waiting_ack_succeeds(
    pg_world: World, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="warroom")
    db, settings, client, token = pg_world
    number = _open(pg_world, clock)
    engine_thread: list[int] = []
    pause = Pause(STATE_READ, only=lambda: threading.get_ident() in engine_thread)
    with paused(db, pause):
        escalation = Run(
            lambda: (
                engine_thread.append(threading.get_ident()),
                worker(db, clock, settings).run_once(),
            )
        )
        escalation.start()
        pause.wait_reached()  # the job holds the incident row and its escalation state
        ack = Run(lambda: _ack(client, token, number))
        ack.start()
        assert wait_blocked_or_done(db, ack), "the ack must wait for the escalation job"
        pause.resume()
        assert escalation.outcome()[1] >= 1
        response = ack.outcome()
    assert response.status_code == 200, response.text
    # Ordered by the lock, not rescued by a retry: no deadlock happened on the way.
    assert not [r for r in caplog.records if "transient" in r.getMessage()]
    assert levels_paged(db, number) == [1, 2]  # the job paged level 2, then the ack came in
    assert status_of(db, number) == "acknowledged"
    clock.advance(minutes(30))
    worker(db, clock, settings).run_once()
    assert levels_paged(db, number) == [1, 2]  # level 3 never comes


def test_ack_first_means_no_level_two_page(pg_world: World, clock: FakeClock) -> None:
    db, settings, client, token = pg_world
    number = _open(pg_world, clock)
    engine_thread: list[int] = []
    pause = Pause(ACK_LOCK, only=lambda: threading.get_ident() not in engine_thread)
    with paused(db, pause):
        ack = Run(lambda: _ack(client, token, number))
        ack.start()
        pause.wait_reached()  # the ack holds the incident row
        escalation = Run(
            lambda: (
                engine_thread.append(threading.get_ident()),
                worker(db, clock, settings).run_once(),
            )
        )
        escalation.start()
        assert wait_blocked_or_done(db, escalation), "the job must wait for the ack"
        pause.resume()
        response = ack.outcome()
        escalation.outcome()
    assert response.status_code == 200, response.text
    assert levels_paged(db, number) == [1]
    assert status_of(db, number) == "acknowledged"
    clock.advance(minutes(30))
    worker(db, clock, settings).run_once()
    assert levels_paged(db, number) == [1]


def test_sqlite_escalation_reads_inside_its_write_transaction(
    lite_world: World, clock: FakeClock
) -> None:
    db, settings, client, token = lite_world
    number = _open(lite_world, clock)
    # Another writer, at the moment the job reads the escalation state, must be refused:
    # the job already holds the write lock, so no ack can slip in between read and page.
    probe = WriteProbe(db)
    pause = Pause(STATE_READ)
    pause.inside = probe
    with paused(db, pause):
        escalation = Run(lambda: worker(db, clock, settings).run_once())
        escalation.start()
        pause.wait_reached()
        pause.resume()
        escalation.outcome()
    assert probe.locked_out
    assert levels_paged(db, number) == [1, 2]
    assert _ack(client, token, number).status_code == 200
    clock.advance(minutes(30))
    worker(db, clock, settings).run_once()
    assert levels_paged(db, number) == [1, 2]


def test_sqlite_ack_then_escalation_pages_nobody_more(lite_world: World, clock: FakeClock) -> None:
    db, settings, client, token = lite_world
    number = _open(lite_world, clock)
    assert _ack(client, token, number).status_code == 200
    worker(db, clock, settings).run_once()
    clock.advance(minutes(30))
    worker(db, clock, settings).run_once()
    assert levels_paged(db, number) == [1]
