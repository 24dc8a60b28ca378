"""Real senders' calls (issue 9): Opsgenie notes, get alert and request status; PagerDuty Change
Events on the timeline; Grafana HMAC timestamps; truncatedAlerts recorded."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import (
    AM_FIRING,
    CONFIG,
    GRAFANA,
    GRAFANA_HMAC,
    GRAFANA_SECRET,
    OG_CREATE,
    PD_KEY,
    PD_TRIGGER,
    Counts,
    am_headers,
    apply_config,
    og_headers,
)
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.db import Database


def events(db: Database, kind: str) -> list[TimelineEvent]:
    with db.session() as session:
        query = select(TimelineEvent).where(TimelineEvent.kind == kind)
        return list(session.scalars(query.order_by(TimelineEvent.id)))


def test_opsgenie_note_get_alert_and_request_status(
    client: TestClient, configured: Database
) -> None:
    created = client.post("/v2/alerts", json=OG_CREATE, headers=og_headers())
    assert created.status_code == 202, created.text
    status = client.get(f"/v2/alerts/requests/{created.json()['requestId']}", headers=og_headers())
    assert status.status_code == 200, status.text
    data = status.json()["data"]
    assert data["isSuccess"] and data["action"] == "Create"
    assert data["alias"] == "orders-db-replication-lag"
    alert_id = data["alertId"]
    got = client.get(f"/v2/alerts/{alert_id}", headers=og_headers()).json()["data"]
    assert got["alias"] == "orders-db-replication-lag" and got["status"] == "open"
    assert got["priority"] == "P1" and got["tags"] == ["database", "prod"]
    url = "/v2/alerts/orders-db-replication-lag/notes?identifierType=alias"
    note = {"note": "failover started", "user": "sre@example.com", "source": "bot"}
    assert client.post(url, json=note, headers=og_headers()).status_code == 202
    (noted,) = events(configured, "intake:alert:noted")
    assert noted.payload["note"] == "failover started" and noted.incident_id is not None
    missing = client.post(
        "/v2/alerts/nope/notes?identifierType=alias", json=note, headers=og_headers()
    )
    assert missing.status_code == 404
    assert client.get("/v2/alerts/requests/not-a-request", headers=og_headers()).status_code == 404
    by_alias = client.get(
        "/v2/alerts/orders-db-replication-lag?identifierType=alias", headers=og_headers()
    )
    assert by_alias.json()["data"]["id"] == alert_id


def test_change_event_lands_on_the_services_open_incidents(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    # The pagerduty route puts PD_KEY's alerts on the storage service.
    assert client.post("/v2/enqueue", json=PD_TRIGGER).status_code == 202
    change = {
        "routing_key": PD_KEY,
        "payload": {
            "summary": "Deployed storage v2.3",
            "source": "storage",
            "timestamp": "2026-11-22T09:20:00Z",
            "custom_details": {"build": "421"},
        },
        "links": [{"href": "https://ci.example.com/421", "text": "Build"}],
    }
    r = client.post("/v2/change/enqueue", json=change)
    assert r.status_code == 202 and r.json()["status"] == "success", r.text
    recorded = events(configured, "intake:change:received")
    on_incident = [e for e in recorded if e.incident_id is not None]
    assert len(recorded) == 2 and len(on_incident) == 1
    assert on_incident[0].payload["summary"] == "Deployed storage v2.3"
    assert on_incident[0].payload["links"] == [
        {"href": "https://ci.example.com/421", "text": "Build"}
    ]
    before = counts()
    bad = client.post("/v2/change/enqueue", json={"routing_key": PD_KEY, "payload": {}})
    assert bad.status_code == 400 and "payload.summary" in bad.text
    unknown = client.post("/v2/change/enqueue", json={**change, "routing_key": "x" * 32})
    assert unknown.status_code == 401
    assert counts() == before


GRAFANA_LINE = (
    f'  - {{key: graf, type: grafana, secret: "{GRAFANA_SECRET}", hmac_secret: "{GRAFANA_HMAC}"}}\n'
)
STAMPED = (
    f'  - {{key: graf, type: grafana, secret: "{GRAFANA_SECRET}", hmac_secret: "{GRAFANA_HMAC}",\n'
    "     timestamp_header: X-Grafana-Alerting-Signature-Timestamp, timestamp_max_age: 5m}\n"
)


def test_grafana_hmac_timestamp_must_be_present_and_fresh(
    client: TestClient, configured: Database, clock: FakeClock
) -> None:
    text = CONFIG.replace(GRAFANA_LINE, STAMPED)
    assert "timestamp_max_age" in text
    apply_config(configured, clock, text)
    body = json.dumps(GRAFANA).encode()

    def send(stamp: str | None) -> int:
        message = body if stamp is None else stamp.encode() + b":" + body
        sig = hmac.new(GRAFANA_HMAC.encode(), message, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Grafana-Alerting-Signature": sig}
        if stamp is not None:
            headers["X-Grafana-Alerting-Signature-Timestamp"] = stamp
        return client.post("/api/v1/intake/alertmanager", content=body, headers=headers).status_code

    now = int(clock.now().timestamp())
    assert send(None) == 401  # configured: no timestamp, no signature
    assert send(str(now - 301)) == 401  # stale: a replay
    assert send(str(now - 10)) == 202
    clock.advance(timedelta(minutes=6))
    assert send(str(now - 10)) == 401


def test_truncated_alerts_are_recorded_on_the_incident(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(AM_FIRING)
    body["truncatedAlerts"] = 7
    r = client.post("/api/v1/intake/alertmanager", json=body, headers=am_headers())
    assert r.status_code == 202, r.text
    (event,) = events(configured, "intake:alerts:truncated")
    assert event.payload["truncated_alerts"] == 7 and event.incident_id is not None
    body["truncatedAlerts"] = -1
    r = client.post("/api/v1/intake/alertmanager", json=body, headers=am_headers())
    assert r.status_code == 422 and r.json()["error"]["field"] == "truncatedAlerts"
