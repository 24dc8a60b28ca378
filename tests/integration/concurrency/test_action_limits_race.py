"""Two requests race for an action's last allowed run (PostgreSQL, forced with a pause right
after the first one counted the runs): the second waits on the action's definition row, then
counts again and is refused with the limit's 409; never a run over the limit, never a 500.
The SQLite variant: the count is read inside the write transaction."""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.concurrency.world import (
    ORG,
    Pause,
    Run,
    WriteProbe,
    paused,
    wait_blocked_or_done,
)
from warroom.actions.models import ActionRun
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
# A limit's count of the runs so far: the check, right before the run is written.
COUNT = r"SELECT count\(action_runs\.id\)"

ACTIONS = """\
action_settings: {enabled: true}
actions:
  - id: drain
    title: Drain a node
    kind: command
    argv: [kubectl, drain, "{{ node }}"]
    params: [{name: node, type: string, pattern: "[a-z0-9-]{1,30}"}]
    reversible: false
    limits: {per_day: 2}
  - id: flush
    title: Flush a cache
    kind: command
    argv: [kubectl, flush, "{{ node }}"]
    params: [{name: node, type: string, pattern: "[a-z0-9-]{1,30}"}]
    reversible: false
    limits: {per_incident: 2}
"""


def _configure(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_files({"org.yaml": ORG, "actions.yaml": ACTIONS})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def _open(client: TestClient, token: str) -> int:
    body = {"title": "Nodes misbehave", "severity": "SEV1"}
    r = client.post("/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return int(r.json()["number"])


_NODES = itertools.count(1)


def _request(client: TestClient, token: str, number: int, action: str) -> Any:
    # A node of its own each time: the same run twice in flight is refused before any limit.
    body = {"action": action, "params": {"node": f"node-{number}-{next(_NODES)}"}}
    return client.post(
        f"/api/v1/incidents/{number}/actions",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


def _runs(db: Database, action: str) -> int:
    with db.session() as session:
        query = select(func.count(ActionRun.id)).where(ActionRun.action_key == action)
        return int(session.scalar(query) or 0)


def _race(world: World, first_on: int, second_on: int, action: str) -> tuple[Any, Any]:
    """Request one stops right after counting; request two must wait, then both answer."""
    db, _, client, token = world
    first: list[int] = []
    pause = Pause(COUNT, only=lambda: not first or threading.get_ident() == first[0])

    with paused(db, pause):
        one = Run(lambda: _request(client, token, first_on, action))
        one.start()
        pause.wait_reached()  # request one counted one run left, and has not written its own
        first.append(-1)  # from now on the pause matches nobody
        two = Run(lambda: _request(client, token, second_on, action))
        two.start()
        assert wait_blocked_or_done(db, two), "the second request must wait for the first"
        pause.resume()
        return one.outcome(), two.outcome()


def test_per_day_limit_holds_across_incidents(
    pg_world: World, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="warroom")
    db, _, client, token = pg_world
    _configure(db, clock)
    earlier, one_on, two_on = _open(client, token), _open(client, token), _open(client, token)
    assert _request(client, token, earlier, "drain").status_code == 202  # 1 of 2 today
    one, two = _race(pg_world, one_on, two_on, "drain")
    assert one.status_code == 202, one.text
    assert two.status_code == 409, two.text
    assert two.json()["error"]["field"] == "action"
    assert "already ran 2 times in the last 24 hours (limit 2)" in two.json()["error"]["message"]
    assert _runs(db, "drain") == 2
    # Ordered by the lock, not rescued by a retry: no deadlock happened on the way.
    assert not [r for r in caplog.records if "transient" in r.getMessage()]


def test_per_incident_limit_holds_for_two_requests_on_one_incident(
    pg_world: World, clock: FakeClock
) -> None:
    db, _, client, token = pg_world
    _configure(db, clock)
    number = _open(client, token)
    assert _request(client, token, number, "flush").status_code == 202  # 1 of 2 here
    one, two = _race(pg_world, number, number, "flush")
    assert one.status_code == 202, one.text
    assert two.status_code == 409, two.text
    assert "already ran 2 times on this incident (limit 2)" in two.json()["error"]["message"]
    assert _runs(db, "flush") == 2


def test_sqlite_counts_inside_the_write_transaction(lite_world: World, clock: FakeClock) -> None:
    db, _, client, token = lite_world
    _configure(db, clock)
    # Another writer, at the moment the request counts, must be refused: it already holds
    # the write lock, so no run can be written between its count and its own run.
    probe = WriteProbe(db)
    number = _open(client, token)
    pause = Pause(COUNT)
    pause.inside = probe
    with paused(db, pause):
        one = Run(lambda: _request(client, token, number, "drain"))
        one.start()
        pause.wait_reached()
        pause.resume()
        assert one.outcome().status_code == 202
    assert probe.locked_out
    assert _request(client, token, _open(client, token), "drain").status_code == 202
    refused = _request(client, token, _open(client, token), "drain")
    assert refused.status_code == 409 and "24 hours" in refused.json()["error"]["message"]
    assert _runs(db, "drain") == 2
