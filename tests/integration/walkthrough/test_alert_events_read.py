"""Walking the README as a newcomer: the timeline of an incident an alert opened named the
alert as "alert fired: ?", because intake's events list their alerts (`alerts[].summary`)
rather than carrying one summary. The sentence names the first alert and how many came with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.paging.world import apply
from warroom.cli.timeline import describe
from warroom.clock import FakeClock
from warroom.db import Database

ORG = """\
severities:
  - {key: SEV3, name: Minor}
"""


def test_the_timeline_names_the_alert_that_opened_the_incident(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    admin_headers: dict[str, str],
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    apply(db, clock, ORG)
    alert = {"title": "Disk full on db-1", "severity": "SEV3", "labels": {"host": "db-1"}}
    r = client.post("/api/v1/intake/generic", json=alert, headers=admin_headers)
    assert r.status_code == 202, r.text
    number = r.json()["incidents"][0]
    shown = cli("timeline", str(number)).output
    assert "alert fired: Disk full on db-1" in shown
    assert "?" not in shown


def test_several_alerts_are_named_by_the_first_and_a_count() -> None:
    payload = {
        "integration": "prometheus",
        "alerts": [{"id": 1, "summary": "api 5xx"}, {"id": 2, "summary": "api p99"}],
        "count": 7,
    }
    assert describe({"kind": "intake:alert:grouped", "payload": payload}) == (
        "alert joined: api 5xx (+6 more)"
    )
    assert describe({"kind": "intake:alert:resolved", "payload": payload}).startswith(
        "alert resolved: api 5xx"
    )
