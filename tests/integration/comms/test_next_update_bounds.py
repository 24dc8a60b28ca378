"""A status update's next update is 1 minute to 7 days away: `--next-update 1s` made the next
one overdue (reminded, then escalated) a second later (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from tests.integration.comms.test_updates_api import HOOK, open_incident
from warroom.clock import FakeClock
from warroom.db import Database


def test_a_next_update_sooner_than_a_minute_is_refused(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    apply(db, clock, org(HOOK))
    number = open_incident(db, clock)
    url = f"/api/v1/incidents/{number}/updates"
    for soon in ("1s", "59s", "8d"):
        body = {"state": "identified", "internal": "rolling back", "next_update": soon}
        answer = client.post(url, json=body, headers=responder_headers)
        assert answer.status_code == 422, (soon, answer.text)
        error = answer.json()["error"]
        assert error["field"] == "next_update" and "1 minute to 7 days" in error["message"]
    assert client.get(url, headers=responder_headers).json()["updates"] == []
    body = {"state": "identified", "internal": "rolling back", "next_update": "1m"}
    assert client.post(url, json=body, headers=responder_headers).status_code == 201
