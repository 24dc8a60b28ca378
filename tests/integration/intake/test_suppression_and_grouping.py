"""Silences, maintenance windows, inhibition, grouping, alert listing and route explanation."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import AM_FIRING, alerts_in, am_headers
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

AM = "/api/v1/intake/alertmanager"


def one_alert(labels: dict[str, str], fingerprint: str = "") -> dict[str, Any]:
    body = copy.deepcopy(AM_FIRING)
    alert = body["alerts"][0]
    alert["labels"], alert["fingerprint"] = labels, fingerprint
    body["alerts"] = [alert]
    return body


def test_silence_suppresses_then_expires(
    client: TestClient, configured: Database, responder_headers: dict[str, str], clock: FakeClock
) -> None:
    r = client.post(
        "/api/v1/silences",
        json={"matchers": ['service="checkout"'], "duration": "1h", "comment": "deploy"},
        headers=responder_headers,
    )
    assert r.status_code == 201, r.text
    silence = r.json()
    assert silence["state"] == "active" and silence["author"] == "resp@example.com"
    r = client.post(AM, json=AM_FIRING, headers=am_headers())
    assert r.json()["suppressed"] == 2 and r.json()["incidents"] == []
    assert {a.suppressed_by for a in alerts_in(configured)} == {f"silence:{silence['id']}"}
    listed = client.get("/api/v1/alerts?suppressed=true", headers=responder_headers).json()
    assert len(listed) == 2
    r = client.post(f"/api/v1/silences/{silence['id']}/expire", headers=responder_headers)
    assert r.json()["state"] == "expired"
    assert client.get("/api/v1/silences", headers=responder_headers).json() == []
    assert len(client.get("/api/v1/silences?all=true", headers=responder_headers).json()) == 1
    # A new alert after expiry pages again.
    r = client.post(
        AM, json=one_alert({"alertname": "Other", "service": "checkout"}), headers=am_headers()
    )
    assert r.json()["suppressed"] == 0 and len(r.json()["incidents"]) == 1


def test_silence_by_time_on_fake_clock(
    client: TestClient, configured: Database, responder_headers: dict[str, str], clock: FakeClock
) -> None:
    start = clock.now() + timedelta(minutes=10)
    body = {
        "matchers": ['alertname=~"Disk.*"'],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=30)).isoformat(),
        "comment": "disk swap",
    }
    assert (
        client.post("/api/v1/silences", json=body, headers=responder_headers).json()["state"]
        == "pending"
    )
    labels = {"alertname": "DiskFull", "service": "checkout"}
    assert client.post(AM, json=one_alert(labels), headers=am_headers()).json()["suppressed"] == 0
    clock.advance(minutes=15)
    labels2 = {"alertname": "DiskSlow", "service": "checkout"}
    assert client.post(AM, json=one_alert(labels2), headers=am_headers()).json()["suppressed"] == 1
    clock.advance(minutes=30)
    labels3 = {"alertname": "DiskGone", "service": "checkout"}
    assert client.post(AM, json=one_alert(labels3), headers=am_headers()).json()["suppressed"] == 0


def test_silence_input_errors(
    client: TestClient,
    configured: Database,
    responder_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    bad = {"matchers": ['service=~"("'], "duration": "1h", "comment": "x"}
    r = client.post("/api/v1/silences", json=bad, headers=responder_headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "matchers[0]"
    r = client.post(
        "/api/v1/silences", json={"matchers": ["a=b"], "comment": "x"}, headers=responder_headers
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "ends_at"
    r = client.post(
        "/api/v1/silences",
        json={"matchers": ["a=b"], "duration": "1h", "comment": "x"},
        headers=viewer_headers,
    )
    assert r.status_code == 403


def test_maintenance_window_recurring(
    client: TestClient, configured: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 24, 1, 30, tzinfo=UTC))  # inside nightly 01:00-03:00
    labels = {"alertname": "GatewayDown", "service": "api-gateway"}
    r = client.post(AM, json=one_alert(labels), headers=am_headers())
    assert r.json()["suppressed"] == 1 and r.json()["incidents"] == []
    (alert,) = alerts_in(configured)
    assert alert.suppressed_by == "maintenance:api-gateway/nightly"
    clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    labels = {"alertname": "GatewaySlow", "service": "api-gateway"}
    r = client.post(AM, json=one_alert(labels), headers=am_headers())
    assert r.json()["suppressed"] == 0 and len(r.json()["incidents"]) == 1


def test_inhibition_joins_the_open_severe_incident(
    client: TestClient, configured: Database
) -> None:
    severe = one_alert({"alertname": "SiteDown", "team": "web", "severity": "critical"})
    first = client.post(AM, json=severe, headers=am_headers()).json()["incidents"]
    minor = one_alert({"alertname": "SlowPage", "team": "web", "severity": "warning"})
    second = client.post(AM, json=minor, headers=am_headers()).json()["incidents"]
    assert first == second
    with configured.session() as session:
        incident = incidents.get_incident(session, first[0])
        assert incident.severity == "SEV1"
        incidents.resolve(session, FakeClock(), incident, actor="t@example.com")
    other = one_alert({"alertname": "Other", "team": "web", "severity": "warning"})
    third = client.post(AM, json=other, headers=am_headers()).json()["incidents"]
    assert third != first


def test_inhibition_ignores_less_severe_incidents(client: TestClient, configured: Database) -> None:
    minor = one_alert({"alertname": "SlowPage", "team": "web", "severity": "warning"})
    first = client.post(AM, json=minor, headers=am_headers()).json()["incidents"]
    minor2 = one_alert({"alertname": "SlowImages", "team": "web", "severity": "warning"})
    second = client.post(AM, json=minor2, headers=am_headers()).json()["incidents"]
    assert first != second  # SEV3 open does not inhibit (inhibit: SEV2 or worse)


def test_route_without_incident_and_resolved_incident_gets_new_one(
    client: TestClient, configured: Database
) -> None:
    info = one_alert({"alertname": "Fyi", "severity": "info"})
    r = client.post(AM, json=info, headers=am_headers())
    assert r.json()["created"] == 1 and r.json()["incidents"] == []
    number = client.post(AM, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    with configured.session() as session:
        incidents.resolve(
            session, FakeClock(), incidents.get_incident(session, number), actor="x@y.z"
        )
    again = one_alert({**AM_FIRING["alerts"][0]["labels"], "instance": "new:1"})
    r = client.post(AM, json=again, headers=am_headers())
    assert r.json()["incidents"] and r.json()["incidents"][0] != number


def test_list_alerts_filters_and_route_test(
    client: TestClient, configured: Database, viewer_headers: dict[str, str]
) -> None:
    client.post(AM, json=AM_FIRING, headers=am_headers())
    client.post(AM, json=one_alert({"alertname": "X", "severity": "info"}), headers=am_headers())
    rows = client.get("/api/v1/alerts", headers=viewer_headers).json()
    assert len(rows) == 3
    rows = client.get("/api/v1/alerts?service=checkout&status=open", headers=viewer_headers).json()
    assert len(rows) == 2
    rows = client.get(
        "/api/v1/alerts", params={"label": 'instance=~"10.42.5.*"'}, headers=viewer_headers
    ).json()
    assert [r["fingerprint"] for r in rows] == ["90b246f8d4481461"]
    assert client.get("/api/v1/alerts?status=bogus", headers=viewer_headers).status_code == 422
    r = client.post(
        "/api/v1/intake/routes/test",
        json={"labels": {"service": "checkout", "severity": "warning", "alertname": "A"}},
        headers=viewer_headers,
    )
    assert r.status_code == 200
    assert r.json()["route"] == "checkout" and r.json()["severity"] == "SEV3"
    assert r.json()["runbooks"] == ["checkout-errors"]


def test_concurrent_senders_never_duplicate(configured: Database, client: TestClient) -> None:
    """Eight threads post the same snapshot at once: two alerts, one incident, counts add up."""
    from concurrent.futures import ThreadPoolExecutor

    def send(_: int) -> int:
        return client.post(AM, json=AM_FIRING, headers=am_headers()).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(send, range(16)))
    assert codes == [202] * 16
    alerts = alerts_in(configured)
    assert len(alerts) == 2 and sum(a.count for a in alerts) == 32
    assert len({a.incident_id for a in alerts}) == 1
