"""A responder who opens an incident with the dedup group of an open private incident (the
group is guessable: it is the routing group's key, shown on every incident of the group)
learns nothing of the private one: the API opens a new incident of their own, its answer
names no other incident, the private one stays a 404 to them, and the group's next alert
still joins the private incident (its newest alert's), not theirs. Both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import MakeToken
from tests.integration.intake.conftest import am_headers, apply_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.intake.models import Alert

AM = "/api/v1/intake/alertmanager"


def _fire(client: TestClient, fingerprint: str) -> list[int]:
    labels = {"alertname": "CheckoutErrors", "service": "checkout", "severity": "critical"}
    body = {
        "version": "4",
        "status": "firing",
        "groupKey": "{}:{}",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": "card data in logs"},
                "startsAt": "2026-01-01T11:59:00Z",
                "fingerprint": fingerprint,
            }
        ],
    }
    answer = client.post(AM, json=body, headers=am_headers())
    assert answer.status_code == 202, answer.text
    return list(answer.json()["incidents"])


def test_opening_with_a_private_incident_s_dedup_group_reveals_nothing(
    client: TestClient, db: Database, clock: FakeClock, make_token: MakeToken
) -> None:
    apply_config(db, clock)
    admin = {"Authorization": f"Bearer {make_token('admin', email='root@example.com')}"}
    owner = {"Authorization": f"Bearer {make_token('responder', email='owner@example.com')}"}
    outsider = {"Authorization": f"Bearer {make_token('responder', email='out@example.com')}"}
    # The routing group's key, from a first incident of the group that is then resolved.
    (first,) = _fire(client, "checkout-0")
    group = client.get(f"/api/v1/incidents/{first}", headers=outsider).json()["dedup_group"]
    resolved = client.post(f"/api/v1/incidents/{first}/resolve", headers=admin, json={})
    assert resolved.status_code == 200, resolved.text
    body = {"title": "Card data exposure", "severity": "SEV1", "private": True,
            "dedup_group": group}  # fmt: skip
    private = client.post("/api/v1/incidents", json=body, headers=owner).json()["number"]
    assert _fire(client, "checkout-1") == []  # joins the private incident, unnamed

    body = {"title": "Checkout", "severity": "SEV3", "dedup_group": group}
    mine = client.post("/api/v1/incidents", json=body, headers=outsider)
    assert mine.status_code == 201, mine.text
    assert mine.json()["number"] not in (first, private)
    assert mine.json()["previous_number"] is None and "Card data" not in mine.text
    assert client.get(f"/api/v1/incidents/{private}", headers=outsider).status_code == 404
    listed = client.get("/api/v1/incidents", headers=outsider).json()["items"]
    assert private not in [i["number"] for i in listed]

    _fire(client, "checkout-2")
    with db.session() as session:
        joined = session.scalar(
            select(Incident.number)
            .join(Alert, Alert.incident_id == Incident.id)
            .where(Alert.fingerprint == "checkout-2")
        )
    assert joined == private
