"""Two responders ticking the same runbook step: the step changes once, and once on the timeline.

Two people on the war room's call both mark "Promote the replica" done (one page was stale,
or both clicked at the same moment): the timeline said it was done twice, the second time by
the second person, from `done`, and the step's `changed_by` moved to them. A change to the
state a step already has is no change (as for tasks); on PostgreSQL the second request waits
on the incident row, then sees the first one's `done`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.concurrency.world import Pause, Run, events, paused, wait_blocked_or_done
from tests.integration.runbooks.conftest import apply_dir, write_config
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
H = dict[str, str]
# The step change's `incidents.lock`: it holds the incident row from here to its commit.
LOCKED = r"UPDATE incidents SET updated_at"


def _attached(client: TestClient, headers: H) -> int:
    body = {"title": "Orders DB down", "severity": "SEV1", "services": ["orders-db"]}
    r = client.post("/api/v1/incidents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    number = int(r.json()["number"])
    r = client.post(f"/api/v1/incidents/{number}/runbooks", json={"key": "unused"}, headers=headers)
    assert r.status_code == 201, r.text
    return number


def test_a_step_marked_done_again_is_one_change(
    db: Database,
    clock: FakeClock,
    configured: Path,
    client: TestClient,
    responder_headers: H,
    make_token: Any,
) -> None:
    other = {"Authorization": f"Bearer {make_token('responder', email='bob@example.com')}"}
    number = _attached(client, responder_headers)
    step = f"/api/v1/incidents/{number}/runbooks/unused/steps/1"
    untouched = client.put(step, json={"state": "todo"}, headers=other)  # no change either
    assert untouched.status_code == 200 and untouched.json()["steps"][0]["changed_by"] is None
    first = client.put(step, json={"state": "done"}, headers=responder_headers)
    clock.advance(minutes=1)
    again = client.put(step, json={"state": "done"}, headers=other)
    assert first.status_code == again.status_code == 200, again.text
    shown = again.json()["steps"][0]
    assert shown["state"] == "done" and shown["changed_by"] == "resp@example.com"
    assert shown["changed_at"] == first.json()["steps"][0]["changed_at"]
    # The same reason again is no change; a new reason is one.
    blocked = {"state": "blocked", "reason": "waiting for DBA"}
    client.put(step, json=blocked, headers=other)
    client.put(step, json=blocked, headers=other)
    client.put(step, json={**blocked, "reason": "DBA on the way"}, headers=other)
    kinds = [
        e["kind"]
        for e in client.get(
            f"/api/v1/incidents/{number}/timeline", headers=responder_headers
        ).json()["items"]
        if e["kind"].startswith("runbook:step")
    ]
    assert kinds == ["runbook:step:done", "runbook:step:blocked", "runbook:step:blocked"]


def test_two_responders_ticking_one_step_at_once_record_one_done(
    pg_world: World, clock: FakeClock, tmp_path: Path
) -> None:
    db, _, client, token = pg_world
    apply_dir(db, clock, write_config(tmp_path / "config"))
    with db.session() as session:
        user = auth_service.ensure_user(
            session, clock, email="bob@race.test", name="Bob", role="responder"
        )
        _, bob_token = auth_service.create_token(session, clock, user, name="race")
    alice = {"Authorization": f"Bearer {token}"}
    bob = {"Authorization": f"Bearer {bob_token}"}
    number = _attached(client, alice)
    step = f"/api/v1/incidents/{number}/runbooks/unused/steps/1"
    first: list[int] = []
    pause = Pause(LOCKED, only=lambda: not first)

    def tick(headers: H) -> Any:
        return client.put(step, json={"state": "done"}, headers=headers)

    with paused(db, pause):
        one = Run(lambda: tick(alice))
        one.start()
        pause.wait_reached()  # alice holds the incident row, her change not made yet
        first.append(threading.get_ident())
        two = Run(lambda: tick(bob))
        two.start()
        assert wait_blocked_or_done(db, two), "bob's change must wait for alice's"
        pause.resume()
        by_alice, by_bob = one.outcome(), two.outcome()

    assert by_alice.status_code == by_bob.status_code == 200, by_bob.text
    assert by_bob.json()["steps"][0]["changed_by"] == "responder@race.test"
    assert [e["step"] for e in events(db, number, "runbook:step:done")] == [1]
