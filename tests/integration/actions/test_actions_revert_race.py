"""Two reverts of one run at the same moment (PostgreSQL, forced with a pause right after the
first checked that no undo is pending): the second waits for the first, sees its undo run and
is refused; the undo action is requested, and run, once."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.actions.conftest import H, Kubectl, Open, request
from tests.integration.concurrency.world import Pause, Run, paused, wait_blocked_or_done
from warroom.actions import service
from warroom.actions.models import ActionRun
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.errors import Conflict

# The revert's check for an undo run already pending.
PENDING = r"SELECT action_runs\.id\s+FROM action_runs\s+WHERE action_runs\.undo_of_id"


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_two_reverts_at_once_request_one_undo(
    db: Database,
    clock: FakeClock,
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    open_incident: Open,
) -> None:
    number = open_incident()
    run_id = request(client, alice, number, "pause-market", market="EUR-USD").json()["id"]
    worker.run_once()

    def revert(actor: str) -> int:
        with db.session() as session:
            return service.revert(session, clock, run_id, actor=actor, switch=True).id

    first: list[int] = []
    pause = Pause(PENDING, only=lambda: not first)
    with paused(db, pause):
        one = Run(lambda: revert("alice@example.com"))
        one.start()
        pause.wait_reached()  # the first revert found no pending undo, not committed yet
        first.append(threading.get_ident())
        two = Run(lambda: revert("bob@example.com"))
        two.start()
        assert wait_blocked_or_done(db, two), "the second revert must wait for the first"
        pause.resume()
        one.outcome()
        with pytest.raises(Conflict, match=r"already being reverted by run \d+"):
            two.outcome()

    with db.session() as session:
        undos = session.scalar(
            select(func.count(ActionRun.id)).where(ActionRun.undo_of_id == run_id)
        )
    assert undos == 1
    worker.run_once()
    assert kubectl.calls().count(["annotate", "market/EUR-USD", "paused=false"]) == 1
