"""A private incident never inhibits: an alert for its service opens (or joins) an incident the
people on call can see, as with an open drill. Buried in the private incident, a real outage's
alerts were hidden from everyone but its members and paged nobody new. Both databases,
through the real API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import MakeToken
from tests.integration.intake.conftest import am_alert, am_headers, apply_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.intake.models import Alert

AM = "/api/v1/intake/alertmanager"


def _am(alertname: str, severity: str) -> dict[str, Any]:
    labels = {"alertname": alertname, "team": "web", "severity": severity}
    return am_alert(labels, alertname.lower(), f"{alertname} on web")


def _incident_of(db: Database, fingerprint: str) -> Incident:
    with db.session() as session:
        alert = session.scalars(select(Alert).where(Alert.fingerprint == fingerprint)).one()
        incident = session.get(Incident, alert.incident_id)
        assert incident is not None
        session.expunge(incident)
        return incident


def test_an_open_private_incident_does_not_swallow_the_services_alerts(
    client: TestClient, db: Database, clock: FakeClock, make_token: MakeToken
) -> None:
    apply_config(db, clock)
    owner = {"Authorization": f"Bearer {make_token('responder', email='sec@example.com')}"}
    # Route `web` inhibits: while a SEV2-or-worse incident is open for web, its alerts join it.
    body = {"title": "Card data exposure", "severity": "SEV1", "services": ["web"], "private": True}
    created = client.post("/api/v1/incidents", json=body, headers=owner)
    assert created.status_code == 201, created.text
    private = int(created.json()["number"])

    down = client.post(AM, json=_am("WebDown", "critical"), headers=am_headers())
    assert down.status_code == 202, down.text
    outage = _incident_of(db, "webdown")
    assert outage.number != private and not outage.private
    assert down.json()["incidents"] == [outage.number]  # named: its sender may know of it
    assert outage.severity == "SEV1"

    # Inhibition still works, into the incident everyone can see.
    slow = client.post(AM, json=_am("WebSlow", "warning"), headers=am_headers())
    assert slow.json()["incidents"] == [outage.number]
    assert _incident_of(db, "webslow").number == outage.number
    with db.session() as session:
        joined = session.scalars(
            select(Alert.fingerprint)
            .join(Incident, Alert.incident_id == Incident.id)
            .where(Incident.number == private)
        )
        assert list(joined) == []  # the private incident took none of them
