"""Status updates on a cadence, on the FakeClock through the real engine worker, to a real
local HTTP receiver: first update within, reminder before due, overdue, escalation, on-time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.integration.comms.org import apply, org
from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    senders.set_sender(None)
    with http_receiver() as r:
        yield r


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "comms-test")


def open_p0(db: Database, clock: FakeClock, service: str = "api", severity: str = "P0") -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session,
            clock,
            actor="test",
            title="Checkout down",
            severity=severity,
            services=[service],
        )
        return incident.number


def kinds(db: Database, number: int, prefix: str = "comms:") -> list[str]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = timeline.last_events(session, incident_id=incident.id, count=200)
        return [e.kind for e in sorted(rows, key=lambda e: e.id) if e.kind.startswith(prefix)]


def reached(receiver: HttpReceiver, name: str) -> list[dict[str, str]]:
    """Communications messages received at /name (pages of the paging domain left out)."""
    found = [json.loads(r.body) for r in receiver.to(f"/{name}")]
    return [m for m in found if " update" in m["title"]]


def step(worker: Worker, clock: FakeClock, minutes: float) -> None:
    clock.advance(minutes=minutes)
    while worker.run_once():
        pass


def on_time(db: Database, number: int) -> bool:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        return comms.cadence_record(session, incident.id).on_time


def test_reminder_before_due_then_overdue_then_escalation(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    step(worker, clock, 9)
    assert reached(receiver, "oncall") == []  # first update due at 15m, reminder at 10m
    step(worker, clock, 1)
    [reminder, _] = reached(receiver, "oncall")  # both audiences' first updates are due at 15m
    assert "due in 5 minutes" in reminder["title"]
    assert f"warroom update {number}" in reminder["message"]
    assert "comms:cadence:overdue" not in kinds(db, number)
    step(worker, clock, 5)
    assert kinds(db, number).count("comms:cadence:overdue") == 2
    assert on_time(db, number) is False
    assert reached(receiver, "boss") == [] and reached(receiver, "vp") == []
    step(worker, clock, 10)  # escalate_overdue_after
    assert len(reached(receiver, "boss")) == 2 and len(reached(receiver, "vp")) == 2
    assert "overdue by 10 minutes" in reached(receiver, "boss")[0]["title"]
    assert kinds(db, number).count("comms:cadence:escalated") == 2


def test_communications_lead_is_reminded_and_an_update_on_time_cancels_the_rest(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session,
            clock,
            incident,
            role="communications_lead",
            user_email="comms@corp.test",
            actor="test",
        )
        incidents.assign_role(
            session,
            clock,
            incident,
            role="incident_commander",
            user_email="ic@corp.test",
            actor="test",
        )
    step(worker, clock, 10)
    assert len(reached(receiver, "comms")) == 2 and reached(receiver, "ic") == []
    with db.session() as session:
        comms.post_update(
            session,
            clock,
            number=number,
            state="investigating",
            internal="Looking at the DB",
            public="We are investigating checkout errors.",
            actor="comms@corp.test",
        )
    step(worker, clock, 29)  # the old due time (15m) passed: nothing overdue
    assert "comms:cadence:overdue" not in kinds(db, number)
    assert on_time(db, number) is True
    # internal every 30m: the next reminder 25m after the update, then overdue at 30m
    assert len(reached(receiver, "comms")) == 3
    step(worker, clock, 1)
    assert kinds(db, number).count("comms:cadence:overdue") == 1
    assert on_time(db, number) is False
    step(worker, clock, 10)
    assert len(reached(receiver, "ic")) == 1  # the commander, on escalation


def test_first_update_within_applies_to_its_severity_only(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock, severity="P2")
    step(worker, clock, 15)
    assert kinds(db, number, "comms:cadence") == []  # P2: every 1h, no first update sooner
    step(worker, clock, 40)
    assert len(reached(receiver, "oncall")) == 1
    step(worker, clock, 5)
    assert kinds(db, number, "comms:cadence") == ["comms:cadence:reminded", "comms:cadence:overdue"]


def test_resolving_cancels_reminders(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    with db.session() as session:
        incidents.resolve(session, clock, incidents.get_incident(session, number), actor="test")
    step(worker, clock, 60)
    assert kinds(db, number, "comms:cadence") == []
    assert reached(receiver, "oncall") == []


def test_internal_update_reaches_team_and_severity_channels(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    with db.session() as session:
        comms.post_update(
            session,
            clock,
            number=number,
            state="identified",
            internal="Bad deploy SECRET-1",
            next_update=timedelta(minutes=20),
            actor="comms@corp.test",
        )
    step(worker, clock, 0)
    [team] = reached(receiver, "core-room")
    [severity] = reached(receiver, "p0-room")
    assert "Bad deploy SECRET-1" in team["message"] and team == severity
    assert "update: identified" in team["title"]
    assert kinds(db, number, "comms:update") == ["comms:update:internal"]
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert comms.public_updates(session, incident.id) == []
        assert comms.latest_public_update(session, incident.id) is None
