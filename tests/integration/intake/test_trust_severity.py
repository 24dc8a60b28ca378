"""Alerts raise severity (issue 8): a more severe alert joining an open incident raises it,
names the alert on the timeline, and paging follows at once; a less severe one never lowers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import am_headers
from tests.integration.intake.test_trust_targeting import am_alert, apply, org, sender
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify.models import Message
from warroom.settings import Settings

__all__ = ["sender"]
AM = "/api/v1/intake/alertmanager"


def _state(db: Database, number: int) -> tuple[str, list[str], int]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        kinds = ["intake:incident:severity_raised", "incident:severity:raised"]
        events = timeline.events_since(session, incident_id=incident.id, kinds=kinds)
        pages = session.scalars(select(Message.id).where(Message.incident_id == incident.id))
        return incident.severity, [e.kind for e in events], len(list(pages))


def test_more_severe_alert_raises_and_pages_less_severe_never_lowers(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    apply(db, clock, org(default=True))
    worker = Worker(db, clock, settings, "t")
    warning = am_alert({"alertname": "Lag", "service": "api", "severity": "warning"}, "w1")
    (number,) = client.post(AM, json=warning, headers=am_headers()).json()["incidents"]
    worker.run_once()
    assert _state(db, number) == ("SEV3", [], 0)  # SEV3 does not page
    critical = am_alert({"alertname": "Lag", "service": "api", "severity": "critical"}, "c1")
    assert client.post(AM, json=critical, headers=am_headers()).json()["incidents"] == [number]
    worker.run_once()
    severity, kinds, pages = _state(db, number)
    assert severity == "SEV1" and pages == 1
    assert kinds == ["intake:incident:severity_raised", "incident:severity:raised"]
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        (raised,) = timeline.events_since(
            session, incident_id=incident.id, kinds=["intake:incident:severity_raised"]
        )
        assert raised.payload["alert"]["fingerprint"] == "c1"
    again = am_alert({"alertname": "Lag", "service": "api", "severity": "warning"}, "w2")
    assert client.post(AM, json=again, headers=am_headers()).json()["incidents"] == [number]
    worker.run_once()
    assert _state(db, number) == ("SEV1", kinds, 1)
