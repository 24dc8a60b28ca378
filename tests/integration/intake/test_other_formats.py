"""Grafana, PagerDuty Events v2, Opsgenie and generic intake with the reference's examples."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.intake.conftest import (
    GENERIC_SECRET,
    GRAFANA,
    GRAFANA_HMAC,
    GRAFANA_SECRET,
    OG_CLOSE,
    OG_CREATE,
    PD_ACK,
    PD_FROM_ALERTMANAGER,
    PD_RESOLVE,
    PD_TRIGGER,
    Counts,
    alerts_in,
    og_headers,
)
from warroom.db import Database
from warroom.incidents import service as incidents

AM = "/api/v1/intake/alertmanager"


def test_grafana_payload_is_told_apart_and_routed(client: TestClient, configured: Database) -> None:
    r = client.post(AM, json=GRAFANA, headers={"Authorization": f"Bearer {GRAFANA_SECRET}"})
    assert r.status_code == 202, r.text
    (alert,) = alerts_in(configured)
    assert alert.integration == "graf" and alert.fingerprint == "3d5a9c1e7b20f488"
    assert alert.service == "web" and alert.severity == "SEV3"
    assert {link["text"] for link in alert.links} >= {"Source", "Dashboard", "Panel", "Runbook"}


def test_grafana_hmac_signature_authenticates(client: TestClient, configured: Database) -> None:
    body = json.dumps(GRAFANA).encode()
    good = hmac.new(GRAFANA_HMAC.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Grafana-Alerting-Signature": good}
    assert client.post(AM, content=body, headers=headers).status_code == 202
    headers["X-Grafana-Alerting-Signature"] = "0" * 64
    assert client.post(AM, content=body, headers=headers).status_code == 401


def test_grafana_test_notification_opens_no_incident(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(GRAFANA)
    body["alerts"][0]["labels"] = {"alertname": "TestAlert", "instance": "Grafana"}
    r = client.post(AM, json=body, headers={"Authorization": f"Bearer {GRAFANA_SECRET}"})
    assert r.status_code == 202 and r.json()["incidents"] == []
    assert len(alerts_in(configured)) == 1


def test_pagerduty_trigger_ack_resolve(client: TestClient, configured: Database) -> None:
    r = client.post("/v2/enqueue", json=PD_TRIGGER)
    assert r.status_code == 202
    assert r.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "db-prod-03/disk-/var/lib/postgresql",
    }
    (alert,) = alerts_in(configured)
    assert alert.integration == "pd" and alert.service == "storage" and alert.severity == "SEV1"
    assert alert.labels["component"] == "postgresql"
    assert {link["text"] for link in alert.links} == {"Runbook", "Disk usage, last 6h", "Checkmon"}
    assert client.post("/v2/enqueue", json=PD_TRIGGER).status_code == 202
    assert alerts_in(configured)[0].count == 2
    assert client.post("/v2/enqueue", json=PD_ACK).status_code == 202
    (alert,) = alerts_in(configured)
    assert alert.acknowledged_at is not None
    with configured.session() as session:
        assert incidents.get_incident_by_id(session, alert.incident_id).status == "acknowledged"
    r = client.post("/v2/enqueue", json=PD_RESOLVE)
    assert r.status_code == 202 and r.json()["dedup_key"] == PD_RESOLVE["dedup_key"]
    assert alerts_in(configured)[0].status == "resolved"
    # Resolving again, or resolving something unknown: 202, nothing changes.
    assert client.post("/v2/enqueue", json=PD_RESOLVE).status_code == 202
    unknown = {**PD_RESOLVE, "dedup_key": "never-seen"}
    assert client.post("/v2/enqueue", json=unknown).status_code == 202
    assert len(alerts_in(configured)) == 1
    # Triggering after resolve opens a new alert.
    assert client.post("/v2/enqueue", json=PD_TRIGGER).status_code == 202
    assert [a.status for a in alerts_in(configured)] == ["resolved", "firing"]


def test_pagerduty_from_alertmanager_and_generated_dedup_key(
    client: TestClient, configured: Database
) -> None:
    r = client.post("/v2/enqueue", json=PD_FROM_ALERTMANAGER)
    assert r.status_code == 202 and r.json()["dedup_key"] == PD_FROM_ALERTMANAGER["dedup_key"]
    no_key = {k: v for k, v in PD_TRIGGER.items() if k != "dedup_key"}
    r = client.post("/v2/enqueue", json=no_key)
    assert r.status_code == 202 and len(r.json()["dedup_key"]) == 36
    resolve = {**PD_FROM_ALERTMANAGER, "event_action": "resolve"}
    resolve["payload"] = {**resolve["payload"], "summary": "[RESOLVED] HighErrorRate checkout"}
    assert client.post("/v2/enqueue", json=resolve).status_code == 202
    statuses = {a.fingerprint: a.status for a in alerts_in(configured)}
    assert statuses[PD_FROM_ALERTMANAGER["dedup_key"]] == "resolved"


def test_pagerduty_errors_have_the_pagerduty_shape(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    before = counts()
    bad = copy.deepcopy(PD_TRIGGER)
    bad["payload"]["severity"] = "fatal"
    r = client.post("/v2/enqueue", json=bad)
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == "invalid event" and body["message"] == "Event object is invalid"
    assert any("payload.severity" in e for e in body["errors"])
    r = client.post("/v2/enqueue", json={**PD_TRIGGER, "routing_key": "f" * 32})
    assert r.status_code == 401 and "errors" in r.json()
    assert counts() == before


def test_opsgenie_create_close_acknowledge(client: TestClient, configured: Database) -> None:
    r = client.post("/v2/alerts", json=OG_CREATE, headers=og_headers())
    assert r.status_code == 202
    body = r.json()
    assert body["result"] == "Request will be processed" and len(body["requestId"]) == 36
    assert isinstance(body["took"], float)
    (alert,) = alerts_in(configured)
    assert alert.fingerprint == "orders-db-replication-lag" and alert.service == "orders-db"
    assert client.post("/v2/alerts", json=OG_CREATE, headers=og_headers()).status_code == 202
    assert alerts_in(configured)[0].count == 2
    url = "/v2/alerts/orders-db-replication-lag/acknowledge?identifierType=alias"
    assert client.post(url, json={}, headers=og_headers()).status_code == 202
    assert alerts_in(configured)[0].acknowledged_at is not None
    url = "/v2/alerts/orders-db-replication-lag/close?identifierType=alias"
    assert client.post(url, json=OG_CLOSE, headers=og_headers()).status_code == 202
    (alert,) = alerts_in(configured)
    assert alert.status == "resolved"
    with configured.session() as session:
        # orders-db auto-resolves.
        assert incidents.get_incident_by_id(session, alert.incident_id).status == "resolved"


def test_opsgenie_close_by_id_and_update_calls(client: TestClient, configured: Database) -> None:
    client.post("/v2/alerts", json=OG_CREATE, headers=og_headers())
    (alert,) = alerts_in(configured)
    put = "/v2/alerts/orders-db-replication-lag/message?identifierType=alias"
    assert client.put(put, json={"message": "new"}, headers=og_headers()).status_code == 202
    r = client.post(f"/v2/alerts/{alert.id}/close", headers=og_headers())
    assert r.status_code == 202
    assert alerts_in(configured)[0].status == "resolved"


def test_opsgenie_errors(client: TestClient, configured: Database, counts: Counts) -> None:
    before = counts()
    r = client.post("/v2/alerts", json={**OG_CREATE, "message": ""}, headers=og_headers())
    assert r.status_code == 422
    assert r.json()["errors"] == {"message": "message is required"} and "requestId" in r.json()
    r = client.post("/v2/alerts", json=OG_CREATE, headers={"Authorization": "GenieKey nope"})
    assert r.status_code == 401 and "requestId" in r.json()
    assert counts() == before


def test_generic_with_admin_token_as_in_the_quick_start(
    client: TestClient, configured: Database, admin_headers: dict[str, str]
) -> None:
    body = {"title": "Test alert", "severity": "SEV3", "labels": {"service": "api-gateway"}}
    r = client.post("/api/v1/intake/generic", json=body, headers=admin_headers)
    assert r.status_code == 202, r.text
    assert r.json()["created"] == 1 and len(r.json()["incidents"]) == 1
    (alert,) = alerts_in(configured)
    assert alert.integration == "api" and alert.service == "api-gateway"
    assert alert.severity == "SEV3"


def test_generic_without_any_config(
    client: TestClient, db: Database, make_token: MakeToken
) -> None:
    """Before any config is applied an alert is still stored (no incident: no severities)."""
    headers = {"Authorization": f"Bearer {make_token('responder')}"}
    body = {"title": "Test alert", "severity": "SEV3", "labels": {"service": "api-gateway"}}
    r = client.post("/api/v1/intake/generic", json=body, headers=headers)
    assert r.status_code == 202
    assert len(alerts_in(db)) == 1


def test_generic_with_integration_key_and_viewer_refused(
    client: TestClient, configured: Database, viewer_headers: dict[str, str]
) -> None:
    body = {"alerts": [{"title": "A", "dedup_key": "a"}, {"title": "B", "dedup_key": "b"}]}
    headers = {"Authorization": f"Bearer {GENERIC_SECRET}"}
    r = client.post("/api/v1/intake/generic", json=body, headers=headers)
    assert r.status_code == 202 and r.json()["created"] == 2
    r = client.post("/api/v1/intake/generic", json=body, headers=viewer_headers)
    assert r.status_code == 403
    resolve = {"title": "A", "dedup_key": "a", "status": "resolved"}
    assert (
        client.post("/api/v1/intake/generic", json=resolve, headers=headers).json()["resolved"] == 1
    )


def test_grafana_put_and_alert_by_id(
    client: TestClient, configured: Database, viewer_headers: dict[str, str]
) -> None:
    r = client.put(AM, json=GRAFANA, headers={"Authorization": f"Bearer {GRAFANA_SECRET}"})
    assert r.status_code == 202
    (alert,) = alerts_in(configured)
    got = client.get(f"/api/v1/alerts/{alert.id}", headers=viewer_headers).json()
    assert got["fingerprint"] == "3d5a9c1e7b20f488" and got["incident_number"] is not None
    missing = client.get("/api/v1/alerts/999999", headers=viewer_headers)
    assert missing.status_code == 404
    assert client.get("/api/v1/alerts").status_code == 401


def test_credentials_of_the_wrong_type_are_refused(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    before = counts()
    # The PagerDuty key is not an Alertmanager credential, and vice versa.
    from tests.integration.intake.conftest import AM_SECRET, PD_KEY

    r = client.post(AM, json=GRAFANA, headers={"Authorization": f"Bearer {PD_KEY}"})
    assert r.status_code == 401
    assert (
        client.post("/v2/enqueue", json={**PD_TRIGGER, "routing_key": AM_SECRET}).status_code == 401
    )
    r = client.post(AM, json=GRAFANA, headers={"Authorization": "Basic !!notbase64"})
    assert r.status_code == 401
    assert counts() == before
