"""`warroom postmortem assign N --due` reads a time without an offset in the reader's zone
(WARROOM_TZ) and a date as the end of that day there, as every time the CLI reads; it read
them as UTC (and a date as its first second), so a reader in Los Angeles giving
--due 2026-03-05T17:00 was shown back 'due 2026-03-05 09:00:00 PST'. On both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database


def _due(client: TestClient, headers: dict[str, str], number: int) -> str:
    answer = client.get(f"/api/v1/incidents/{number}/postmortem", headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["due_at"])


def test_assign_due_in_the_reader_zone(
    db: Database,
    clock: FakeClock,
    cli: Callable[..., Any],
    client: TestClient,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    monkeypatch.setenv("WARROOM_TZ", "America/Los_Angeles")

    result = cli("postmortem", "assign", str(number), "--due", "2099-03-05T17:00")
    assert result.exit_code == 0, result.output
    assert "due 2099-03-05 17:00:00 PST" in result.output
    assert _due(client, admin_headers, number).startswith("2099-03-06T01:00:00")

    result = cli("postmortem", "assign", str(number), "--due", "2099-03-05")
    assert result.exit_code == 0, result.output
    assert "due 2099-03-05 23:59:59 PST" in result.output
    assert _due(client, admin_headers, number).startswith("2099-03-06T07:59:59")

    result = cli("postmortem", "assign", str(number), "--due", "2099-03-05T17:00Z")
    assert result.exit_code == 0, result.output
    assert _due(client, admin_headers, number).startswith("2099-03-05T17:00:00")

    shown = json.loads(cli("postmortem", "show", str(number), "--json").stdout)
    assert shown["due_at"].startswith("2099-03-05T17:00:00")
