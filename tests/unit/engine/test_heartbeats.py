"""Heartbeats as timelines on a fake clock: pings in time, a miss, a recovery, config changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.config import service as config
from warroom.db import Database
from warroom.engine.models import CANCELLED, PENDING, Job
from warroom.engine.worker import Worker
from warroom.heartbeats import service
from warroom.heartbeats.models import DOWN, UP, WAITING, Heartbeat
from warroom.incidents import service as incidents
from warroom.settings import Settings

ORG = """
severities:
  - key: SEV1
    name: High
  - key: SEV2
    name: Medium
services:
  - key: monitoring
    name: Monitoring
"""

WATCHDOG = """
heartbeats:
  - name: watchdog
    interval: 1m
    grace: 30s
    severity: SEV2
    service: monitoring
    title: Alertmanager stopped reporting
    auto_resolve: {auto}
"""


def apply(db: Database, clock: FakeClock, heartbeats: str) -> list[str]:
    doc, problems = config.load_files({"org.yaml": ORG, "heartbeats.yaml": heartbeats})
    if problems:
        return problems.lines()
    with db.session() as session:
        config.apply_document(session, clock, doc, actor="test")
    return []


def beat(db: Database, name: str = "watchdog") -> Heartbeat:
    with db.session() as session:
        row = session.scalar(select(Heartbeat).where(Heartbeat.name == name))
        assert row is not None
        return row


def ping(db: Database, clock: FakeClock, name: str = "watchdog") -> None:
    with db.session() as session:
        service.ping(session, clock, name)


def kinds(db: Database, incident_id: int) -> list[str]:
    with db.session() as session:
        events = timeline.last_events(session, incident_id=incident_id, count=50)
        return sorted(e.kind for e in events)


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "w")


def test_pings_in_time_then_a_miss_then_a_recovery(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    assert apply(db, clock, WATCHDOG.format(auto="false")) == []
    assert beat(db).state == WAITING
    clock.advance(minutes=1)  # t=1m: ping
    ping(db, clock)
    clock.advance(seconds=30)  # t=1m30: the first check finds the ping and re-arms
    worker.run_once()
    assert (beat(db).state, beat(db).incident_id) == (UP, None)
    clock.advance(seconds=59)  # t=2m29: still in grace
    worker.run_once()
    assert beat(db).state == UP
    clock.advance(seconds=1)  # t=2m30: missed
    worker.run_once()
    missed = beat(db)
    assert (missed.state, missed.down_since) == (DOWN, clock.now())
    assert missed.incident_id is not None
    with db.session() as session:
        incident = incidents.get_incident_by_id(session, missed.incident_id)
        assert (incident.title, incident.severity, incident.source) == (
            "Alertmanager stopped reporting",
            "SEV2",
            "heartbeat",
        )
        assert incident.service_keys == ["monitoring"]
    clock.advance(minutes=10)  # no second incident while it stays down
    worker.run_once()
    assert beat(db).incident_id == missed.incident_id
    ping(db, clock)  # t=12m30: back
    assert (beat(db).state, beat(db).incident_id) == (UP, None)
    assert "heartbeat:heartbeat:missed" in kinds(db, missed.incident_id)
    assert "heartbeat:heartbeat:recovered" in kinds(db, missed.incident_id)
    with db.session() as session:  # not auto-resolved: people resolve it
        assert incidents.get_incident_by_id(session, missed.incident_id).status == "triggered"


def test_a_heartbeat_that_never_pings_is_missed(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    apply(db, clock, WATCHDOG.format(auto="false"))
    clock.advance(seconds=89)
    worker.run_once()
    assert beat(db).state == WAITING
    clock.advance(seconds=1)
    worker.run_once()
    assert beat(db).state == DOWN


def test_auto_resolve_resolves_on_the_next_ping(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    apply(db, clock, WATCHDOG.format(auto="true"))
    clock.advance(minutes=2)
    worker.run_once()
    incident_id = beat(db).incident_id
    assert incident_id is not None
    ping(db, clock)
    with db.session() as session:
        assert incidents.get_incident_by_id(session, incident_id).status == "resolved"
    clock.advance(minutes=1, seconds=30)  # and it is watched again
    worker.run_once()
    assert beat(db).state == DOWN
    assert beat(db).incident_id not in (None, incident_id)


def test_removing_a_heartbeat_from_config_stops_watching_it(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    apply(db, clock, WATCHDOG.format(auto="false"))
    assert apply(db, clock, "heartbeats: []\n") == []
    assert beat(db).active is False
    with db.session() as session:
        states = session.scalars(select(Job.state).where(Job.kind == service.CHECK_KIND)).all()
        assert CANCELLED in states and PENDING not in states
        assert service.find(session, "watchdog") is None
    clock.advance(hours=1)
    worker.run_once()
    assert beat(db).state == WAITING


def test_a_shorter_interval_moves_the_pending_check(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    apply(db, clock, WATCHDOG.format(auto="false").replace("interval: 1m", "interval: 1h"))
    apply(db, clock, WATCHDOG.format(auto="false"))
    with db.session() as session:
        [pending] = session.scalars(
            select(Job).where(Job.kind == service.CHECK_KIND, Job.state == PENDING)
        ).all()
    assert pending.run_at == clock.now() + timedelta(seconds=90)


def test_config_errors_name_the_line(db: Database, clock: FakeClock) -> None:
    bad = WATCHDOG.format(auto="false").replace("SEV2", "SEV9").replace("monitoring", "nope")
    problems = apply(db, clock, bad)
    assert any("heartbeats.yaml:6" in p and "SEV9" in p for p in problems), problems
    assert any("heartbeats.yaml:7" in p and "nope" in p for p in problems), problems
    problems = apply(
        db, clock, "heartbeats:\n  - name: x\n    interval: soon\n    severity: SEV1\n"
    )
    assert any("heartbeats.yaml:3" in p and "interval" in p for p in problems), problems


def test_ping_if_configured_ignores_unknown_names(db: Database, clock: FakeClock) -> None:
    apply(db, clock, WATCHDOG.format(auto="false"))
    with db.session() as session:
        assert service.ping_if_configured(session, clock, "nope") is None
        beat_ = service.ping_if_configured(session, clock, "watchdog", actor="intake:watchdog")
        assert beat_ is not None and beat_.state == UP
