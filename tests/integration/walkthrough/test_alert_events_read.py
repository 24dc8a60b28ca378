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


def test_severity_changes_and_what_comms_did_about_them_read_as_sentences() -> None:
    raised = {"from": "P2", "to": "P0", "reason": "checkout is down"}
    assert describe({"kind": "incident:severity:raised", "payload": raised}) == (
        "severity raised P2 → P0: checkout is down"
    )
    lowered = {"from": "P0", "to": "P2", "reason": "contained"}
    assert describe({"kind": "incident:severity:lowered", "payload": lowered}) == (
        "severity lowered P0 → P2: contained"
    )
    due = {"audience": "external", "severity": "P0", "due_at": "2026-01-01T12:25:00+00:00"}
    assert describe({"kind": "comms:cadence:tightened", "payload": due}) == (
        "external update now due by 2026-01-01 12:25 UTC (P0)"
    )
    sent = {"template": "raised", "channels": ["channel:p0-room"]}
    assert describe({"kind": "comms:raised:sent", "payload": sent}) == (
        "raised severity declared in channel:p0-room"
    )
    sent = {"template": "reopened", "channels": ["channel:core-room"]}
    assert describe({"kind": "comms:reopened:sent", "payload": sent}) == (
        "reopening declared in channel:core-room"
    )
