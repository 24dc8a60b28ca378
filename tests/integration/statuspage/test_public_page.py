"""The public status page: Statuspage v2 JSON, HTML, feed, components, publishing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import (
    COMPONENT_FIELDS,
    INCIDENT_FIELDS,
    MAINTENANCE_FIELDS,
    PAGE_FIELDS,
    STATUS_FIELDS,
    UPDATE_FIELDS,
    apply,
    open_incident,
)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

V2 = "/status/api/v2"


def _publish(client: TestClient, headers: dict[str, str], number: int, **body: Any) -> Any:
    body = {"number": number, "name": "Elevated API errors", "components": ["api"]} | body
    answer = client.post("/api/v1/status/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _statuses(client: TestClient) -> dict[str, str]:
    return {c["id"]: c["status"] for c in client.get(f"{V2}/components.json").json()["components"]}


def _assert_incident(item: dict[str, Any]) -> None:
    assert set(item) >= INCIDENT_FIELDS
    assert item["status"] in ("investigating", "identified", "monitoring", "resolved", "postmortem")
    assert item["impact"] in ("none", "minor", "major", "critical")
    for update in item["incident_updates"]:
        assert set(update) >= UPDATE_FIELDS
    for component in item["components"]:
        assert set(component) >= COMPONENT_FIELDS


def test_every_json_route_has_the_statuspage_fields(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock, severity="SEV0")
    _publish(client, admin_headers, number, message="We are looking into API errors.")
    start = clock.now() + timedelta(days=1)
    window = {"name": "Database upgrade", "body": "Short read-only period.",
              "components": ["db"], "scheduled_for": start.isoformat(),
              "scheduled_until": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    assert client.post("/api/v1/status/maintenances", json=window,
                       headers=admin_headers).status_code == 201  # fmt: skip

    summary = client.get(f"{V2}/summary.json").json()
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(summary["page"]) == PAGE_FIELDS
    assert summary["page"]["name"] == "Example Status"
    assert set(summary["status"]) == STATUS_FIELDS
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}
    for component in summary["components"]:
        assert set(component) >= COMPONENT_FIELDS
    [incident] = summary["incidents"]
    _assert_incident(incident)
    assert (incident["name"], incident["impact"]) == ("Elevated API errors", "critical")
    assert incident["incident_updates"][0]["body"] == "We are looking into API errors."
    [maintenance] = summary["scheduled_maintenances"]
    assert set(maintenance) >= MAINTENANCE_FIELDS
    assert maintenance["status"] == "scheduled"

    status = client.get(f"{V2}/status.json").json()
    assert set(status) == {"page", "status"} and status["status"]["indicator"] == "critical"
    components = client.get(f"{V2}/components.json").json()
    assert set(components) == {"page", "components"}
    by_id = {c["id"]: c for c in components["components"]}
    assert by_id["api"]["status"] == "major_outage"
    assert by_id["api"]["name"] == "Public API" and by_id["db"]["name"] == "Database"
    assert by_id["web"]["status"] == "operational"
    assert by_id["api"]["group_id"] == by_id["db"]["group_id"] != by_id["web"]["group_id"]
    assert by_id[by_id["api"]["group_id"]]["group"] is True
    for route in ("incidents.json", "incidents/unresolved.json"):
        body = client.get(f"{V2}/{route}").json()
        assert set(body) == {"page", "incidents"}
        [item] = body["incidents"]
        _assert_incident(item)
    body = client.get(f"{V2}/scheduled-maintenances.json").json()
    assert set(body) == {"page", "scheduled_maintenances"}
    assert set(body["scheduled_maintenances"][0]) >= MAINTENANCE_FIELDS


def test_an_unpublished_incident_never_shows(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    open_incident(db, clock, severity="SEV0", title="Secret outage")
    summary = client.get(f"{V2}/summary.json").json()
    assert summary["incidents"] == []
    assert summary["status"]["indicator"] == "none"
    assert {c["status"] for c in summary["components"]} == {"operational"}
    assert client.get(f"{V2}/incidents.json").json()["incidents"] == []
    assert "Secret outage" not in client.get("/status").text
    assert client.get("/status/incidents/1").status_code == 404


def test_resolved_incident_leaves_the_page_and_stays_in_history(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock, severity="SEV3", services=["web"])
    published = _publish(client, admin_headers, number, components=["web"], name="Slow pages")
    components = client.get(f"{V2}/components.json").json()["components"]
    assert {c["id"]: c["status"] for c in components}["web"] == "degraded_performance"
    clock.advance(minutes=40)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.resolve(session, clock, incident, actor="ic@corp.test", note="")
    assert client.get(f"{V2}/incidents/unresolved.json").json()["incidents"] == []
    [item] = client.get(f"{V2}/incidents.json").json()["incidents"]
    assert (item["status"], item["resolved_at"] is not None) == ("resolved", True)
    assert client.get(f"{V2}/status.json").json()["status"]["indicator"] == "none"
    history = client.get("/status/history")
    assert history.status_code == 200 and "Slow pages" in history.text
    page = client.get(f"/status/incidents/{published['id']}")
    assert page.status_code == 200 and "resolved" in page.text
    clock.advance(days=91)
    assert "Slow pages" not in client.get("/status/history").text


def test_admin_overrides_a_component_and_clears_it(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str],
    responder_headers: dict[str, str],
) -> None:  # fmt: skip
    apply(db, clock)
    url = "/api/v1/status/components/db"
    body = {"status": "partial_outage"}
    assert client.put(url, json=body, headers=responder_headers).status_code == 403
    bad = client.put(url, json={"status": "on_fire"}, headers=admin_headers)
    assert bad.status_code == 422 and "status" in bad.text
    assert client.put("/api/v1/status/components/nope", json=body,
                      headers=admin_headers).status_code == 404  # fmt: skip
    assert client.put(url, json=body, headers=admin_headers).status_code == 204
    status = _statuses(client)
    assert status["db"] == "partial_outage"
    assert client.get(f"{V2}/status.json").json()["status"]["indicator"] == "major"
    assert client.put(url, json={"status": None}, headers=admin_headers).status_code == 204
    status = _statuses(client)
    assert status["db"] == "operational"


def test_publish_refuses_bad_input_and_writes_nothing(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock)
    bad = {"number": number, "name": "x", "components": ["nope"]}
    answer = client.post("/api/v1/status/incidents", json=bad, headers=admin_headers)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "components"
    missing = {"number": 999, "name": "x", "components": []}
    assert client.post("/api/v1/status/incidents", json=missing,
                       headers=admin_headers).status_code == 404  # fmt: skip
    assert client.get(f"{V2}/incidents.json").json()["incidents"] == []


def test_html_page_feed_and_phone_readiness(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock)
    _publish(client, admin_headers, number, name="Login <b>errors</b>", message="Looking & fixing")
    page = client.get("/status")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'name="viewport"' in page.text and "<script" not in page.text
    assert "Login &lt;b&gt;errors&lt;/b&gt;" in page.text and "<b>errors" not in page.text
    assert "Public API" in page.text and "Website" in page.text
    feed = client.get("/status/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert "<entry>" in feed.text and "Login &lt;b&gt;errors&lt;/b&gt;" in feed.text
    assert "Looking &amp; fixing" in feed.text


def _stamp(value: Any) -> str:
    return str(value.isoformat()).replace("+00:00", "Z")


def test_times_of_a_quiet_page_are_when_its_configuration_was_applied(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """Nothing published, nothing overridden: the page and its components are as old as the
    configuration that defines them (not ten years ago, not today's midnight), and stay so;
    a published incident moves the page's time."""
    apply(db, clock)
    applied = _stamp(clock.now())
    clock.advance(days=2, hours=5)
    summary = client.get(f"{V2}/summary.json").json()
    assert summary["page"]["updated_at"] == applied
    assert {(c["created_at"], c["updated_at"]) for c in summary["components"]} == {
        (applied, applied)
    }
    clock.advance(minutes=10)
    number = open_incident(db, clock, severity="SEV0")
    _publish(client, admin_headers, number, message="We are looking into API errors.")
    clock.advance(minutes=1)
    page = client.get(f"{V2}/status.json").json()["page"]
    assert page["updated_at"] > applied
    assert page["updated_at"] <= _stamp(clock.now())
