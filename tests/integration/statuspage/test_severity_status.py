"""What a published incident's severity does to the page.

`severity_status: {SEV3: operational}` was ignored: a published SEV3 on `web` showed
`degraded_performance` and the banner "Minor Service Outage" (the configured status was turned
into an impact and back, and only the outage statuses came back). Now a component shows the
status its incident's severity is configured to mean, `operational` and `under_maintenance`
included, and the banner follows.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import CONFIG, apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database

V2 = "/status/api/v2"


def _publish(client: TestClient, headers: dict[str, str], number: int, component: str) -> None:
    body = {"number": number, "name": f"Trouble on {component}", "components": [component]}
    answer = client.post("/api/v1/status/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def _statuses(client: TestClient) -> dict[str, str]:
    return {c["id"]: c["status"] for c in client.get(f"{V2}/components.json").json()["components"]}


def _banner(client: TestClient) -> dict[str, str]:
    status: dict[str, str] = client.get(f"{V2}/status.json").json()["status"]
    return status


def test_a_severity_configured_operational_or_under_maintenance_shows_so(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    mapping = "severity_status: {SEV3: operational, SEV1: under_maintenance}"
    apply(db, clock, CONFIG.replace("severity_status: {SEV3: degraded_performance}", mapping))
    _publish(client, admin_headers, open_incident(db, clock, severity="SEV3", services=["web"]),
             "web")  # fmt: skip
    assert set(_statuses(client).values()) == {"operational"}  # groups too
    assert _banner(client) == {"indicator": "none", "description": "All Systems Operational"}
    [shown] = client.get(f"{V2}/incidents/unresolved.json").json()["incidents"]
    assert shown["name"] == "Trouble on web" and shown["impact"] == "none"
    assert "All Systems Operational" in client.get("/status").text

    _publish(client, admin_headers, open_incident(db, clock, severity="SEV1", services=["db"]),
             "db")  # fmt: skip
    statuses = _statuses(client)
    assert (statuses["db"], statuses["group-Core"]) == ("under_maintenance", "under_maintenance")
    expected = {"indicator": "maintenance", "description": "Service Under Maintenance"}
    assert _banner(client) == expected
    html = client.get("/status").text
    assert "Service Under Maintenance" in html and "Minor Service Outage" not in html

    # An outage on the same component is worse than maintenance.
    _publish(client, admin_headers, open_incident(db, clock, severity="SEV0", services=["db"]),
             "db")  # fmt: skip
    assert _statuses(client)["db"] == "major_outage"
    assert _banner(client)["indicator"] == "critical"
