"""A next update planned later than the severity's cadence is said so.

On a real serve (examples/oracle) `warroom update 1 --state identified ... --next-update 2h` on
a SEV0 incident, whose severity asks for an internal update every 15 minutes, answered only
"next update due 08:45": nobody was reminded for two hours, and nothing told the
communications lead that the severity's cadence had been set aside. It is still planned as
asked (an ETA may justify it), and the answer now says so (`cadence_note`, a CLI NOTE line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from tests.integration.comms.test_updates_api import HOOK, open_incident
from warroom.clock import FakeClock
from warroom.db import Database


def test_a_next_update_past_the_cadence_is_noted(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    apply(db, clock, org(HOOK))  # P0: internal every 30m, external every 1h
    number = open_incident(db, clock)
    url = f"/api/v1/incidents/{number}/updates"
    body = {"state": "identified", "internal": "rolling back", "public": "Fixing it",
            "next_update": "2h"}  # fmt: skip
    answer = client.post(url, json=body, headers=responder_headers)
    assert answer.status_code == 201, answer.text
    note = answer.json()["cadence_note"]
    assert note == (
        "P0 asks for an internal update every 30m and a public one every 1h: the next is due "
        "in 2h, as asked (the reminder comes 5m before then)"
    )
    assert answer.json()["next_update_at"].startswith("2026-01-01T14:00")  # still as asked
    for within, public in (("30m", None), ("30m", "Fixing it"), (None, "Fixing it")):
        body = {"state": "identified", "internal": "x", "public": public, "next_update": within}
        answer = client.post(url, json=body, headers=responder_headers)
        assert answer.status_code == 201 and answer.json()["cadence_note"] is None, within
    body = {"state": "identified", "internal": "x", "next_update": "45m"}  # internal only
    note = client.post(url, json=body, headers=responder_headers).json()["cadence_note"]
    assert note == (
        "P0 asks for an internal update every 30m: the next is due in 45m, as asked "
        "(the reminder comes 5m before then)"
    )


def test_the_cli_prints_the_note(db: Database, clock: FakeClock, cli: Callable[..., Any]) -> None:
    apply(db, clock, org(HOOK))
    number = open_incident(db, clock)
    result = cli("update", str(number), "--state", "identified", "--internal", "x",
                 "--next-update", "90m")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "NOTE: P0 asks for an internal update every 30m: the next is due in 1h30m" in (
        result.output
    )
