"""Alertmanager's always-firing Watchdog alert is a heartbeat: it pings, it opens nothing,
and when it stops arriving the missed heartbeat opens an incident."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import AM_SECRET, CONFIG, alerts_in, am_headers
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.heartbeats.models import DOWN, UP, Heartbeat
from warroom.incidents import service as incidents
from warroom.settings import Settings

HEARTBEAT = """
heartbeats:
  - name: am-watchdog
    interval: 1m
    grace: 1m
    severity: SEV1
    service: checkout
    title: Alertmanager stopped reporting
    alertname: Watchdog
"""

WATCHDOG = {
    "version": "4",
    "groupKey": '{}:{alertname="Watchdog"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "warroom",
    "groupLabels": {"alertname": "Watchdog"},
    "commonLabels": {"alertname": "Watchdog", "severity": "none"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "Watchdog", "severity": "none"},
            "annotations": {"summary": "always firing"},
            "startsAt": "2026-01-01T11:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "0123456789abcdef",
        }
    ],
}


def heartbeat(db: Database) -> Heartbeat:
    with db.session() as session:
        row = session.scalar(select(Heartbeat).where(Heartbeat.name == "am-watchdog"))
        assert row is not None
        return row


def test_watchdog_pings_then_its_absence_opens_an_incident(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    doc, problems = config_service.load_files({"intake.yaml": CONFIG + HEARTBEAT})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    worker = Worker(db, clock, settings, "w")
    for _ in range(3):  # Alertmanager re-sends the firing Watchdog every repeat interval
        clock.advance(seconds=50)
        response = client.post("/api/v1/intake/alertmanager", json=WATCHDOG, headers=am_headers())
        assert response.status_code == 202, response.text
        assert response.json()["incidents"] == []
        worker.run_once()
        assert heartbeat(db).state == UP
    [alert] = alerts_in(db)
    assert alert.suppressed_by == "heartbeat:am-watchdog" and alert.count == 3
    clock.advance(minutes=2, seconds=1)  # the pipeline went quiet: interval + grace passed
    worker.run_once()
    down = heartbeat(db)
    assert down.state == DOWN and down.incident_id is not None
    with db.session() as session:
        incident = incidents.get_incident_by_id(session, down.incident_id)
        assert (incident.title, incident.severity) == ("Alertmanager stopped reporting", "SEV1")


def test_intake_outcomes_are_counted_in_metrics(
    client: TestClient, db: Database, clock: FakeClock, viewer_headers: dict[str, str]
) -> None:
    from tests.integration.intake.conftest import AM_FIRING, apply_config

    apply_config(db, clock)

    series = 'warroom_alerts_received_total{integration="prom",status="created"}'

    def created() -> float:
        text = client.get("/metrics", headers=viewer_headers).text
        for line in text.splitlines():
            if line.startswith(series):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = created()
    assert (
        client.post("/api/v1/intake/alertmanager", json=AM_FIRING, headers=am_headers()).status_code
        == 202
    )
    assert created() == before + 2
    assert AM_SECRET not in client.get("/metrics", headers=viewer_headers).text
