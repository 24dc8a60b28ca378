"""Two identical run requests (a double-clicked form, a retried API call) run the mitigation
once: while a run of the same action with the same parameters is awaiting approval, queued or
running on the incident, a second request is a 409 naming it (field action, run_id), nothing
recorded. Once it has finished, the same request is a new run. On PostgreSQL two such
requests at the same moment are forced to interleave: the second waits, then is refused."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.actions.conftest import H, Kubectl, Open, request
from tests.integration.concurrency.world import Pause, Run, paused, wait_blocked_or_done
from warroom.actions.models import ActionRun
from warroom.db import Database
from warroom.engine.worker import Worker

# The request's look for an identical run in flight, right before its own run is written.
TWIN = r"FROM action_runs\s+WHERE action_runs\.incident_id = \S+ AND action_runs\.action_key"


def _runs(db: Database, action: str) -> int:
    with db.session() as session:
        query = select(func.count(ActionRun.id)).where(ActionRun.action_key == action)
        return int(session.scalar(query) or 0)


def _refused_for(answer: Any, run_id: int, state: str) -> None:
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["field"] == "action" and error["run_id"] == run_id, error
    assert (
        f"run {run_id} (pause-market with the same parameters) is already {state}"
        in (error["message"])
    )


def test_a_second_identical_request_is_refused_naming_the_first(
    db: Database,
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    bob: H,
    open_incident: Open,
) -> None:
    number = open_incident()
    first = request(client, alice, number, "pause-market", market="EUR-USD")
    assert first.status_code == 202, first.text
    run_id = first.json()["id"]
    # The same parameters, by anyone, given or taken from the defaults: refused.
    _refused_for(request(client, alice, number, "pause-market", market="EUR-USD"), run_id, "queued")
    again = request(client, bob, number, "pause-market", market="EUR-USD", reason="incident")
    _refused_for(again, run_id, "queued")
    # Other parameters, a dry run, another incident: not the same run.
    assert request(client, alice, number, "pause-market", market="GBP-USD").status_code == 202
    dry = request(client, alice, number, "pause-market", dry_run=True, market="EUR-USD")
    assert dry.status_code == 202, dry.text
    other = open_incident()
    assert request(client, alice, other, "pause-market", market="EUR-USD").status_code == 202
    assert _runs(db, "pause-market") == 4

    while worker.run_once():
        pass
    real = [c for c in kubectl.calls() if "--dry-run=server" not in c]
    assert real.count(["annotate", "market/EUR-USD", "paused=true", "--reason=incident"]) == 2
    # Finished: the same request is a new run again.
    assert request(client, alice, number, "pause-market", market="EUR-USD").status_code == 202


def test_a_run_awaiting_approval_is_not_requested_twice(
    db: Database, client: TestClient, alice: H, bob: H, open_incident: Open
) -> None:
    number = open_incident("SEV0")  # pause-market needs a second person on SEV0
    first = request(client, alice, number, "pause-market", market="EUR-USD")
    assert first.json()["state"] == "awaiting_approval", first.text
    again = request(client, bob, number, "pause-market", market="EUR-USD")
    _refused_for(again, first.json()["id"], "awaiting approval")
    assert _runs(db, "pause-market") == 1


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_two_identical_requests_at_once_record_one_run(
    db: Database, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    first: list[int] = []
    pause = Pause(TWIN, only=lambda: not first)
    with paused(db, pause):
        one = Run(lambda: request(client, alice, number, "pause-market", market="EUR-USD"))
        one.start()
        pause.wait_reached()  # the first found no twin and has not written its run
        first.append(threading.get_ident())
        two = Run(lambda: request(client, alice, number, "pause-market", market="EUR-USD"))
        two.start()
        assert wait_blocked_or_done(db, two), "the second request must wait for the first"
        pause.resume()
        answered = one.outcome()
        assert answered.status_code == 202, answered.text
        _refused_for(two.outcome(), answered.json()["id"], "queued")
    assert _runs(db, "pause-market") == 1
