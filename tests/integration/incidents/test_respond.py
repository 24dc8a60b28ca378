"""One meaning of "respond" (issue 10): respond_within is met when someone starts working it.

The reference processes' "response time" is engaging with the incident (the first triage or
status update: "post initial status update within 15 minutes", "on-call engages
immediately"), after acknowledging and before mitigation. Acknowledging alone does not meet it;
the first note, status update, mitigation or resolution does. SEV1 of the seeded catalog has
acknowledge_within 15m, respond_within 1h.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog.service import severities_by_key
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service
from warroom.incidents.models import Incident
from warroom.incidents.present import due_times

H = dict[str, str]


def _open(session: Session, clock: FakeClock) -> Incident:
    return service.open_incident(
        session, clock, actor="ann@example.com", title="Publishing halted", severity="SEV1"
    )


def _due(session: Session, incident: Incident, clock: FakeClock) -> Any:
    return due_times(incident, severities_by_key(session)["SEV1"], clock.now(), {})


def test_acknowledging_does_not_meet_respond_a_note_does(
    session: Session, clock: FakeClock
) -> None:
    incident = _open(session, clock)
    opened = clock.now()
    clock.advance(minutes=5)
    service.acknowledge(session, clock, incident, actor="ann@example.com")
    clock.advance(minutes=56)
    due = _due(session, incident, clock)
    assert due.respond_by == opened + timedelta(hours=1)
    assert due.respond_overdue and not due.acknowledge_overdue
    assert incident.responded_at is None
    service.add_note(session, clock, incident, text="publisher stuck on bundle 41", actor="ann")
    assert incident.responded_at == clock.now()
    assert not _due(session, incident, clock).respond_overdue
    clock.advance(minutes=5)
    service.add_note(session, clock, incident, text="second note", actor="ann")
    assert incident.responded_at == opened + timedelta(minutes=61)  # the first one counts


def test_mitigation_and_status_updates_meet_respond(session: Session, clock: FakeClock) -> None:
    mitigated = _open(session, clock)
    clock.advance(minutes=10)
    service.mitigate(session, clock, mitigated, actor="ann@example.com")
    assert mitigated.responded_at == clock.now()
    updated = _open(session, clock)
    clock.advance(minutes=20)
    timeline.record(
        session,
        clock,
        incident_id=updated.id,
        kind="comms:update:posted",
        actor="ann@example.com",
        payload={"audience": "external", "text": "investigating"},
    )
    session.refresh(updated)
    assert updated.responded_at == clock.now()
    clock.advance(hours=2)
    assert not _due(session, updated, clock).respond_overdue


def test_api_and_incident_show_name_the_response(
    seeded: Database, client: TestClient, responder_headers: H, clock: FakeClock, cli: Any
) -> None:
    created = client.post(
        "/api/v1/incidents", json={"title": "T", "severity": "SEV1"}, headers=responder_headers
    ).json()
    assert created["responded_at"] is None
    client.post("/api/v1/incidents/1/ack", headers=responder_headers)
    clock.advance(minutes=61)
    shown = client.get("/api/v1/incidents/1", headers=responder_headers).json()
    assert shown["due"]["respond_overdue"] is True and shown["responded_at"] is None
    screen = cli("incident", "show", "1").output
    assert "respond (start work)" in screen and "OVERDUE" in screen
    client.post("/api/v1/incidents/1/notes", json={"text": "on it"}, headers=responder_headers)
    shown = client.get("/api/v1/incidents/1", headers=responder_headers).json()
    assert shown["due"]["respond_overdue"] is False
    assert shown["responded_at"].startswith("2026-01-01T13:01:00")
    line = next(x for x in cli("incident", "show", "1").output.splitlines() if "respond" in x)
    assert "13:01" in line and "OVERDUE" not in line  # shown as done at the note's time
