"""The page's banner and incident state follow the published incidents; public ids are unique."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database

V2 = "/status/api/v2"


def _publish(client: TestClient, headers: dict[str, str], number: int, **extra: object) -> int:
    body = {"number": number, "name": "Checkout errors", "components": []} | extra
    answer = client.post("/api/v1/status/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _update(
    client: TestClient, headers: dict[str, str], number: int, state: str, internal: str, public: str
) -> None:
    body = {"state": state, "internal": internal, "public": public}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def test_banner_reflects_an_incident_published_without_components(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock, severity="SEV0")
    _publish(client, admin_headers, number)
    status = client.get(f"{V2}/status.json").json()["status"]
    assert status == {"indicator": "critical", "description": "Major System Outage"}
    assert client.get(f"{V2}/summary.json").json()["status"]["indicator"] == "critical"
    html = client.get("/status").text
    assert "All Systems Operational" not in html and "Major System Outage" in html
    minor = open_incident(db, clock, severity="SEV3", services=["web"])
    _publish(client, admin_headers, minor, name="Slow pages")
    assert client.get(f"{V2}/status.json").json()["status"]["indicator"] == "critical"


def test_resolved_update_shows_resolved_on_the_page(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock, severity="SEV1")
    status_id = _publish(client, admin_headers, number, components=["api"])
    _update(client, admin_headers, number, "resolved", "Rolled back", "Fixed.")
    item = client.get(f"{V2}/incidents.json").json()["incidents"][0]
    assert (item["id"], item["status"]) == (str(status_id), "resolved")
    assert item["incident_updates"][0]["status"] == "resolved"
    assert client.get(f"{V2}/incidents/unresolved.json").json()["incidents"] == []
    assert client.get(f"{V2}/status.json").json()["status"]["indicator"] == "none"


def test_public_ids_are_not_reused_after_unpublish(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    first = open_incident(db, clock)
    old_id = _publish(client, admin_headers, first)
    gone = client.delete(f"/api/v1/status/incidents/{first}", headers=admin_headers)
    assert gone.status_code in (200, 204), gone.text
    second = open_incident(db, clock, title="another")
    new_id = _publish(client, admin_headers, second, name="Login errors")
    assert new_id != old_id
    assert client.get(f"/status/incidents/{old_id}").status_code == 404


def test_a_reopened_incident_is_back_on_the_page_as_investigating(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """Resolved publicly, then back: the page shows it unresolved and under investigation
    again (not "monitoring" under the old "Fixed."), until someone posts the next word."""
    apply(db, clock)
    number = open_incident(db, clock, severity="SEV1")
    status_id = _publish(client, admin_headers, number, components=["api"])
    _update(client, admin_headers, number, "resolved", "Rolled back", "Fixed.")
    clock.advance(minutes=30)
    back = client.post(f"/api/v1/incidents/{number}/reopen", json={"note": "errors again"},
                       headers=admin_headers)  # fmt: skip
    assert back.status_code == 200, back.text
    [item] = client.get(f"{V2}/incidents/unresolved.json").json()["incidents"]
    assert (item["id"], item["status"], item["resolved_at"]) == (
        str(status_id),
        "investigating",
        None,
    )
    assert client.get(f"{V2}/status.json").json()["status"]["indicator"] != "none"
    _update(client, admin_headers, number, "monitoring", "Rolled back again", "Watching it.")
    item = client.get(f"{V2}/incidents.json").json()["incidents"][0]
    assert item["status"] == "monitoring"


def test_a_message_published_after_public_updates_comes_after_them(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """Public text posted before the incident was published shows from publication on; the
    message given at publication is newer than it, so it is listed first (newest first, as
    Statuspage lists) and keeps the state the earlier update said: the incident does not read
    "investigating" again because it was published late."""
    apply(db, clock)
    number = open_incident(db, clock, severity="SEV1")
    _update(client, admin_headers, number, "identified", "Bad deploy", "We found the cause.")
    clock.advance(minutes=8)
    status_id = _publish(client, admin_headers, number, message="Checkout errors since 14:05.")
    item = client.get(f"{V2}/incidents/unresolved.json").json()["incidents"][0]
    listed = [(u["id"], u["status"], u["body"]) for u in item["incident_updates"]]
    assert [(i, s) for i, s, _ in listed] == [
        (f"p{status_id}", "identified"),
        (f"{status_id}-1", "identified"),
    ]
    assert "Checkout errors since 14:05." in listed[0][2] and "We found the cause." in listed[1][2]
    times = [u["created_at"] for u in item["incident_updates"]]
    assert times == sorted(times, reverse=True)
    assert item["status"] == "identified"
    clock.advance(minutes=5)
    _update(client, admin_headers, number, "monitoring", "Rolled back", "A fix is out.")
    item = client.get(f"{V2}/incidents/unresolved.json").json()["incidents"][0]
    assert [u["status"] for u in item["incident_updates"]] == [
        "monitoring",
        "identified",
        "identified",
    ]
    assert item["status"] == "monitoring"
