"""What an intake answer tells its sender about the incidents its alerts reached.

The webhook's and the generic endpoint's answers list the numbers of the incidents the alerts
opened or joined. An alert can join a private incident (by its routing group when a responder
opened the private incident with that `dedup_group`, by firing again after one): the answer
named it, so a monitoring system's credential (or a responder who is no member) learnt that a
private incident exists, and its number, which the API answers as if no such incident existed.
An integration's answer now names only incidents that are not private; a person's token, those
that person may read. Both databases, through the real API.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.intake.conftest import (
    GENERIC_SECRET,
    am_alert,
    am_headers,
    apply_config,
)
from warroom.clock import FakeClock
from warroom.db import Database

AM = "/api/v1/intake/alertmanager"
GENERIC = "/api/v1/intake/generic"


# The routing group of route `web`'s alerts named WebErrors: a responder opening a private
# incident with it as `dedup_group` makes the group's alerts join that incident.
WEB_ERRORS = 'web|web|{alertname="WebErrors"}'


def _private_web_incident(client: TestClient, owner: dict[str, str]) -> int:
    body = {
        "title": "Card data exposure",
        "severity": "SEV1",
        "services": ["web"],
        "private": True,
        "dedup_group": WEB_ERRORS,
    }
    created = client.post("/api/v1/incidents", json=body, headers=owner)
    assert created.status_code == 201, created.text
    return int(created.json()["number"])


def _joined_by(db: Database, fingerprint: str) -> int | None:
    from sqlalchemy import select

    from warroom.incidents.models import Incident
    from warroom.intake.models import Alert

    with db.session() as session:
        row = session.scalars(select(Alert).where(Alert.fingerprint == fingerprint)).one()
        incident = session.get(Incident, row.incident_id) if row.incident_id else None
        return None if incident is None else incident.number


def test_an_integration_is_not_told_of_the_private_incident_its_alert_joined(
    client: TestClient, db: Database, clock: FakeClock, make_token: MakeToken
) -> None:
    apply_config(db, clock)
    owner = {"Authorization": f"Bearer {make_token('responder', email='owner@example.com')}"}
    private = _private_web_incident(client, owner)
    labels = {"alertname": "WebErrors", "team": "web", "severity": "critical"}
    answer = client.post(AM, json=am_alert(labels, "web-1"), headers=am_headers())
    assert answer.status_code == 202, answer.text
    assert _joined_by(db, "web-1") == private  # it did join the private incident
    assert answer.json()["created"] == 1
    assert answer.json()["incidents"] == []  # but the sender is not told which, nor that one is

    # The generic endpoint, with a generic integration's secret: the same.
    generic = {
        "title": "Web errors",
        "labels": {"alertname": "WebErrors", "team": "web", "severity": "critical"},
    }
    secret = {"Authorization": f"Bearer {GENERIC_SECRET}"}
    answer = client.post(GENERIC, json=generic, headers=secret)
    assert answer.status_code == 202, answer.text
    assert answer.json()["incidents"] == [] and len(answer.json()["alert_ids"]) == 1


def test_a_person_is_told_of_the_private_incidents_they_may_read_only(
    client: TestClient, db: Database, clock: FakeClock, make_token: MakeToken
) -> None:
    apply_config(db, clock)
    owner = {"Authorization": f"Bearer {make_token('responder', email='owner@example.com')}"}
    outsider = {"Authorization": f"Bearer {make_token('responder', email='out@example.com')}"}
    admin = {"Authorization": f"Bearer {make_token('admin', email='root@example.com')}"}
    private = _private_web_incident(client, owner)

    def send(headers: dict[str, str], title: str) -> Any:
        labels = {"alertname": "WebErrors", "team": "web", "severity": "critical"}
        body = {"title": title, "labels": labels}
        answer = client.post(GENERIC, json=body, headers=headers)
        assert answer.status_code == 202, answer.text
        return answer.json()["incidents"]

    assert send(outsider, "Web errors (outsider)") == []
    assert client.get(f"/api/v1/incidents/{private}", headers=outsider).status_code == 404
    assert send(owner, "Web errors (owner)") == [private]
    scribe = {"Authorization": f"Bearer {make_token('responder', email='scribe@example.com')}"}
    role = {"role": "scribe", "user_email": "scribe@example.com"}
    assert client.post(f"/api/v1/incidents/{private}/roles", headers=owner, json=role).is_success
    assert send(scribe, "Web errors (member)") == [private]
    assert send(admin, "Web errors (admin)") == [private]


def test_incidents_that_are_not_private_are_still_named(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    apply_config(db, clock)
    labels = {"alertname": "WebErrors", "team": "web", "severity": "critical"}
    first = client.post(AM, json=am_alert(labels, "web-1"), headers=am_headers())
    assert first.status_code == 202, first.text
    (number,) = first.json()["incidents"]
    labels = {"alertname": "WebLatency", "team": "web", "severity": "critical"}
    joined = client.post(AM, json=am_alert(labels, "web-2"), headers=am_headers())
    assert joined.json()["incidents"] == [number]  # joined by inhibition: named
    assert _joined_by(db, "web-2") == number
