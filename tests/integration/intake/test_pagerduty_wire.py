"""PagerDuty Events v2 as real senders send it (wire-formats §2): a resolve whose unneeded payload
Alertmanager's template rendered invalid, and ISO 8601 timestamps without an offset."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import PD_FROM_ALERTMANAGER, PD_TRIGGER, alerts_in
from warroom.clock import FakeClock
from warroom.db import Database


@pytest.mark.parametrize("action", ["resolve", "acknowledge"])
def test_a_resolve_or_acknowledge_with_an_invalid_payload_still_applies(
    client: TestClient, configured: Database, action: str
) -> None:
    assert client.post("/v2/enqueue", json=PD_FROM_ALERTMANAGER).status_code == 202
    event = copy.deepcopy(PD_FROM_ALERTMANAGER)
    event["event_action"] = action
    event["payload"]["severity"] = ""  # `{{ .CommonLabels.severity }}` rendered empty
    event["payload"]["summary"] = "[RESOLVED] HighErrorRate checkout"
    r = client.post("/v2/enqueue", json=event)
    assert r.status_code == 202, r.text
    assert r.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": PD_FROM_ALERTMANAGER["dedup_key"],
    }
    (alert,) = alerts_in(configured)
    if action == "resolve":
        assert alert.status == "resolved" and alert.resolved_at is not None
    else:
        assert alert.acknowledged_at is not None and alert.resolved_at is None
    # The alert keeps what its trigger said.
    assert alert.severity_hint == "critical" and alert.summary.startswith("[FIRING:2]")


def test_a_trigger_with_an_invalid_payload_is_still_refused_naming_the_field(
    client: TestClient, configured: Database
) -> None:
    event = copy.deepcopy(PD_FROM_ALERTMANAGER)
    event["payload"]["severity"] = ""
    r = client.post("/v2/enqueue", json=event)
    assert r.status_code == 400
    assert r.json()["status"] == "invalid event"
    assert "payload.severity" in r.json()["errors"][0]
    assert alerts_in(configured) == []


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-11-22T09:14:05.321000", datetime(2026, 11, 22, 9, 14, 5, 321000, UTC)),
        ("2026-11-22T09:14:05+00", datetime(2026, 11, 22, 9, 14, 5, tzinfo=UTC)),
        ("2026-11-22T11:14:05.5+02", datetime(2026, 11, 22, 9, 14, 5, 500000, UTC)),
        ("2026-11-22T09:14:05.321+0000", datetime(2026, 11, 22, 9, 14, 5, 321000, UTC)),
    ],
)
def test_an_iso_8601_timestamp_without_an_offset_or_with_hours_only_is_kept(
    client: TestClient, configured: Database, sent: str, stored: datetime
) -> None:
    assert _triggered_at(client, configured, sent) == stored


def _triggered_at(client: TestClient, db: Database, timestamp: object) -> datetime:
    """The start stored for the reference trigger sent with this payload.timestamp (202)."""
    event = copy.deepcopy(PD_TRIGGER)
    event["payload"]["timestamp"] = timestamp
    r = client.post("/v2/enqueue", json=event)
    assert r.status_code == 202, r.text
    (alert,) = alerts_in(db)
    assert alert.starts_at is not None and alert.raw["payload"]["timestamp"] == timestamp
    return alert.starts_at.replace(tzinfo=UTC)


@pytest.mark.parametrize("sent", ["yesterday", "2026-13-45T99:00:00Z", 1763802845])
def test_an_unreadable_timestamp_does_not_lose_the_event(
    client: TestClient, configured: Database, clock: FakeClock, sent: object
) -> None:
    # The time it was received; what the sender said is kept in the raw event.
    assert _triggered_at(client, configured, sent) == clock.now()
