"""A heartbeat whose incident people resolve while its pings are still missing re-arms and
pages again; one removed from config while down and added back keeps its open incident, so
the first ping recovers it. The real worker, the real ping endpoint, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.heartbeats import service
from warroom.heartbeats.models import DOWN, UP, Heartbeat
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.notify import senders
from warroom.settings import Settings

ORG = """
severities:
  - {key: SEV2, name: Medium}
users:
  - email: oncall@beat.test
    name: On-call
    contact_methods: [{name: push, url: "json://127.0.0.1:9/oncall"}]
escalation_policies:
  - key: ops
    levels:
      - {notify: [user:oncall@beat.test], escalate_after: 5m}
services:
  - {key: monitoring, name: Monitoring, escalation_policy: ops}
"""
WATCHDOG = """
heartbeats:
  - name: watchdog
    interval: 1m
    grace: 30s
    severity: SEV2
    service: monitoring
    auto_resolve: {auto}
"""
PERIOD = 90  # interval + grace, seconds


@pytest.fixture(autouse=True)
def fake_sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "w")


def apply(db: Database, clock: FakeClock, heartbeats: str) -> None:
    doc, problems = config.load_files({"org.yaml": ORG, "heartbeats.yaml": heartbeats})
    assert not problems, problems.lines()
    with db.session() as session:
        config.apply_document(session, clock, doc, actor="test")


def beat(db: Database) -> Heartbeat:
    with db.session() as session:
        row = session.scalar(select(Heartbeat).where(Heartbeat.name == "watchdog"))
        assert row is not None
        return row


def ping(client: TestClient, settings: Settings) -> None:
    key = service.ping_key(settings.secret_key, "watchdog")
    answer = client.post(f"/api/v1/heartbeats/watchdog?key={key}")
    assert answer.status_code == 200, answer.text


def kinds(db: Database, incident_id: int) -> list[str]:
    with db.session() as session:
        query = select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident_id)
        return list(session.scalars(query.order_by(TimelineEvent.seq)))


def status(db: Database, incident_id: int) -> str:
    with db.session() as session:
        return incidents.get_incident_by_id(session, incident_id).status


def heartbeat_incidents(db: Database) -> list[tuple[int, str]]:
    with db.session() as session:
        rows = session.execute(
            select(Incident.id, Incident.status)
            .where(Incident.dedup_group == "heartbeat:watchdog")
            .order_by(Incident.id)
        )
        return [(int(i), str(s)) for i, s in rows]


def miss(db: Database, clock: FakeClock, worker: Worker) -> int:
    clock.advance(seconds=PERIOD)
    worker.run_once()
    down = beat(db)
    assert down.state == DOWN and down.incident_id is not None
    return down.incident_id


def by_hand(db: Database, clock: FakeClock, incident_id: int, move: str) -> None:
    with db.session() as session:
        incident = incidents.get_incident_by_id(session, incident_id)
        incidents.resolve(session, clock, incident, actor="user:alice@example.com", note="fine")
        if move == "close":
            incidents.close(session, clock, incident, actor="user:alice@example.com")


@pytest.mark.parametrize("move", ["resolve", "close"])
def test_resolved_by_hand_while_still_silent_rearms_and_pages_again(
    db: Database,
    clock: FakeClock,
    worker: Worker,
    client: TestClient,
    settings: Settings,
    move: str,
) -> None:
    apply(db, clock, WATCHDOG.format(auto="false"))
    first = miss(db, clock, worker)
    clock.advance(minutes=3)  # the watched thing is still dead; a person resolves anyway
    worker.run_once()
    by_hand(db, clock, first, move)
    clock.advance(seconds=PERIOD - 1)  # a full interval + grace after the resolve: not yet
    worker.run_once()
    assert heartbeat_incidents(db) == [(first, "resolved" if move == "resolve" else "closed")]
    clock.advance(seconds=1)  # missed again: a new incident, and it pages
    worker.run_once()
    second = beat(db)
    assert second.state == DOWN and second.incident_id not in (None, first)
    assert second.incident_id is not None
    assert status(db, second.incident_id) == "triggered"
    assert "heartbeat:heartbeat:missed" in kinds(db, second.incident_id)
    assert "paging:escalation:triggered" in kinds(db, second.incident_id)
    clock.advance(hours=6)  # no third incident while the second is open
    worker.run_once()
    assert [i for i, _ in heartbeat_incidents(db)] == [first, second.incident_id]
    by_hand(db, clock, second.incident_id, move)  # resolved again, and this time it pings
    clock.advance(seconds=60)
    ping(client, settings)
    assert (beat(db).state, beat(db).incident_id) == (UP, None)
    for _ in range(4):
        clock.advance(seconds=60)
        ping(client, settings)
        worker.run_once()
    assert len(heartbeat_incidents(db)) == 2 and beat(db).state == UP


@pytest.mark.parametrize("auto", ["true", "false"])
def test_removed_while_down_then_readded_the_first_ping_recovers_its_incident(
    db: Database,
    clock: FakeClock,
    worker: Worker,
    client: TestClient,
    settings: Settings,
    auto: str,
) -> None:
    apply(db, clock, WATCHDOG.format(auto=auto))
    first = miss(db, clock, worker)
    apply(db, clock, "heartbeats: []\n")
    clock.advance(minutes=5)
    apply(db, clock, WATCHDOG.format(auto=auto))
    readded = beat(db)
    assert (readded.state, readded.incident_id) == (DOWN, first)
    clock.advance(seconds=PERIOD)  # still silent: no second incident, the first is still open
    worker.run_once()
    assert heartbeat_incidents(db) == [(first, "triggered")]
    ping(client, settings)
    assert (beat(db).state, beat(db).incident_id, beat(db).down_since) == (UP, None, None)
    assert "heartbeat:heartbeat:recovered" in kinds(db, first)
    assert status(db, first) == ("resolved" if auto == "true" else "triggered")
