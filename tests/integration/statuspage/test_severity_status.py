"""What a published incident's severity does to the page.

`severity_status: {SEV3: operational}` was ignored: a published SEV3 on `web` showed
`degraded_performance` and the banner "Minor Service Outage" (the configured status was turned
into an impact and back, and only the outage statuses came back). Now a component shows the
status its incident's severity is configured to mean, `operational` and `under_maintenance`
included, and the banner follows.

A severity change moved no public `updated_at` (incident, component, page) although the
impact and the component's status changed. Now it moves them when what the page shows changes,
and only then: a change between two severities that mean the same status stays private."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import CONFIG, apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

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


def _change(db: Database, clock: FakeClock, number: int, severity: str) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.change_severity(session, clock, incident, severity=severity, reason="changed",
                                  actor="ic@corp.test")  # fmt: skip
        session.commit()


def _times(client: TestClient) -> tuple[Any, ...]:
    """(incident impact, incident updated_at, api status, api updated_at, page updated_at)."""
    summary = client.get(f"{V2}/summary.json").json()
    [incident] = summary["incidents"]
    [api] = [c for c in summary["components"] if c["id"] == "api"]
    return (incident["impact"], incident["updated_at"], api["status"], api["updated_at"],
            summary["page"]["updated_at"])  # fmt: skip


def _stamp(clock: FakeClock) -> str:
    return clock.now().isoformat().replace("+00:00", "Z")


def test_a_severity_change_moves_the_public_times_when_the_page_changes(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    # SEV1 (the second level) and SEV3 both mean partial_outage here.
    apply(db, clock, CONFIG.replace("{SEV3: degraded_performance}", "{SEV3: partial_outage}"))
    number = open_incident(db, clock, severity="SEV3", services=["api"])
    _publish(client, admin_headers, number, "api")
    published = _stamp(clock)
    assert _times(client) == ("major", published, "partial_outage", published, published)

    clock.advance(timedelta(minutes=20))
    _change(db, clock, number, "SEV0")
    raised = _stamp(clock)
    assert _times(client) == ("critical", raised, "major_outage", raised, raised)

    clock.advance(timedelta(minutes=20))
    _change(db, clock, number, "SEV1")
    lowered = _stamp(clock)
    assert _times(client) == ("major", lowered, "partial_outage", lowered, lowered)

    clock.advance(timedelta(minutes=20))
    _change(db, clock, number, "SEV3")  # the same public status: nothing public moves
    assert _times(client) == ("major", lowered, "partial_outage", lowered, lowered)
