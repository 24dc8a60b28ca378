"""A postmortem is overdue from its due time, the moment the engine flags it (and tells its
author): the API, the list and the flag agree then, as for action items (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings


def test_at_its_due_time_a_postmortem_is_overdue_everywhere(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken, settings: Settings
) -> None:
    apply(db, clock, org())
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    number = open_incident(db, clock, severity="P1")
    commander(db, clock, number)
    act(db, clock, number, "resolve")  # 2026-01-01 12:00: due 2026-01-03 12:00
    path = f"/api/v1/incidents/{number}/postmortem"
    assert client.get(path, headers=ic).json()["due_at"].startswith("2026-01-03T12:00")
    clock.advance(hours=48)
    worker = Worker(db, clock, settings, "test")
    while worker.run_once():
        pass
    flagged = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=ic).json()
    assert "review:postmortem:overdue" in [e["kind"] for e in flagged["items"]]
    assert client.get(path, headers=ic).json()["overdue"] is True
    listed = client.get("/api/v1/postmortems?overdue=true", headers=ic).json()
    assert [p["number"] for p in listed["postmortems"]] == [number]
