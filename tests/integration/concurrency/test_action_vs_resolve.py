"""A run is requested on an incident another request is resolving at that moment (PostgreSQL,
forced with a pause right after the resolve took the incident row): the request waits on the
row, then reads the incident as the resolve left it and is refused with the domain's 409;
never a run on a resolved incident."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.concurrency.world import ORG, Pause, Run, paused, wait_blocked_or_done
from warroom.actions.models import ActionRun
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
# The resolve's `incidents.lock`: it holds the incident row from here to its commit.
LOCKED = r"UPDATE incidents SET updated_at"

ACTIONS = """\
action_settings: {enabled: true}
actions:
  - id: restart
    title: Restart a node
    kind: command
    argv: [kubectl, restart, "{{ node }}"]
    params: [{name: node, type: string, pattern: "[a-z0-9-]{1,30}"}]
    reversible: false
"""


def _configure(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_files({"org.yaml": ORG, "actions.yaml": ACTIONS})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_run_requested_while_the_incident_is_resolved_is_refused(
    pg_world: World, clock: FakeClock
) -> None:
    db, _, client, token = pg_world
    _configure(db, clock)
    body = {"title": "Nodes misbehave", "severity": "SEV1"}
    r = client.post("/api/v1/incidents", json=body, headers=_headers(token))
    assert r.status_code == 201, r.text
    number = int(r.json()["number"])
    first: list[int] = []
    pause = Pause(LOCKED, only=lambda: not first)

    def resolve() -> Any:
        return client.post(
            f"/api/v1/incidents/{number}/resolve", json={"note": "fixed"}, headers=_headers(token)
        )

    def request_run() -> Any:
        return client.post(
            f"/api/v1/incidents/{number}/actions",
            json={"action": "restart", "params": {"node": "node-1"}},
            headers=_headers(token),
        )

    with paused(db, pause):
        one = Run(resolve)
        one.start()
        pause.wait_reached()  # the resolve holds the incident row, not committed yet
        first.append(threading.get_ident())  # from now on the pause matches nobody
        two = Run(request_run)
        two.start()
        assert wait_blocked_or_done(db, two), "the run request must wait for the resolve"
        pause.resume()
        resolved, requested = one.outcome(), two.outcome()

    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert requested.status_code == 409, requested.text
    error = requested.json()["error"]
    assert error["field"] == "incident"
    assert error["message"] == f"INC-{number} is resolved"
    with db.session() as session:
        assert session.scalar(select(func.count(ActionRun.id))) == 0
