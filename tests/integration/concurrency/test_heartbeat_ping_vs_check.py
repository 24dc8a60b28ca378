"""A heartbeat's ping and its due check at the same moment, forced on PostgreSQL with a pause
right after one of them read the heartbeat row: the other waits for that row, then decides on
what the first committed.

- The ping first (the check comes at the deadline): the check sees the ping and re-schedules;
  no incident opens for a heartbeat that pinged on time.
- The check first: it opens the incident, then the ping sees the heartbeat down, records
  `heartbeat:heartbeat:recovered` and (auto_resolve) resolves it; the heartbeat is up with no
  incident left linked, not up with a triggered incident nothing will ever resolve.

The SQLite variant: the ping reads the row inside its write transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.concurrency.world import (
    ORG,
    Pause,
    Run,
    WriteProbe,
    paused,
    wait_blocked_or_done,
    worker,
)
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.models import PENDING, Job
from warroom.heartbeats import service
from warroom.heartbeats.models import UP, Heartbeat
from warroom.incidents.models import Incident
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
HEARTBEATS = """\
heartbeats:
  - {name: watchdog, interval: 1m, grace: 30s, severity: SEV1, service: api, auto_resolve: true}
"""
READ = r"FROM heartbeats\s+WHERE heartbeats\.name ="  # ping's and check's read of the row


def _watch(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_files({"org.yaml": ORG, "heartbeats.yaml": HEARTBEATS})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    clock.advance(seconds=90)  # exactly the deadline: the check is due


def _ping(client: TestClient, settings: Settings) -> Any:
    key = service.ping_key(settings.secret_key, "watchdog")
    return client.post(f"/api/v1/heartbeats/watchdog?key={key}")


def _beat(db: Database) -> Heartbeat:
    with db.session() as session:
        row = session.scalar(select(Heartbeat).where(Heartbeat.name == "watchdog"))
        assert row is not None
        return row


def _incidents(db: Database) -> list[tuple[str, list[str]]]:
    """The heartbeat's incidents: (status, timeline kinds)."""
    with db.session() as session:
        rows = session.execute(
            select(Incident.id, Incident.status)
            .where(Incident.dedup_group == "heartbeat:watchdog")
            .order_by(Incident.id)
        ).all()
        return [
            (
                str(status),
                list(
                    session.scalars(
                        select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident_id)
                    )
                ),
            )
            for incident_id, status in rows
        ]


def test_a_ping_at_the_deadline_makes_the_check_wait_and_nothing_opens(
    pg_world: World, clock: FakeClock
) -> None:
    db, settings, client, _ = pg_world
    _watch(db, clock)
    with paused(db, Pause(READ)) as pause:
        ping = Run(lambda: _ping(client, settings))
        ping.start()
        pause.wait_reached()  # the ping has read the heartbeat row, not yet written
        check = Run(lambda: worker(db, clock, settings).run_once())
        check.start()
        assert wait_blocked_or_done(db, check), "the check must wait for the ping's row"
        pause.resume()
        assert ping.outcome().status_code == 200
        check.outcome()
    beat = _beat(db)
    assert (beat.state, beat.last_seen_at, beat.incident_id) == (UP, clock.now(), None)
    assert _incidents(db) == []
    with db.session() as session:  # watched on: the next check at the ping + interval + grace
        run_at = session.scalar(
            select(Job.run_at).where(Job.kind == service.CHECK_KIND, Job.state == PENDING)
        )
    assert run_at == clock.now() + timedelta(seconds=90)


def test_a_check_holding_the_row_makes_the_ping_wait_then_the_ping_recovers(
    pg_world: World, clock: FakeClock
) -> None:
    db, settings, client, _ = pg_world
    _watch(db, clock)
    with paused(db, Pause(READ)) as pause:
        check = Run(lambda: worker(db, clock, settings).run_once())
        check.start()
        pause.wait_reached()  # the check has read the heartbeat row: missed
        ping = Run(lambda: _ping(client, settings))
        ping.start()
        assert wait_blocked_or_done(db, ping), "the ping must wait for the check's row"
        pause.resume()
        check.outcome()
        assert ping.outcome().status_code == 200
    beat = _beat(db)
    assert (beat.state, beat.incident_id, beat.down_since) == (UP, None, None)
    ((status, kinds),) = _incidents(db)
    assert status == "resolved"
    assert "heartbeat:heartbeat:missed" in kinds and "heartbeat:heartbeat:recovered" in kinds


def test_sqlite_a_ping_reads_the_row_inside_its_write_transaction(
    lite_world: World, clock: FakeClock
) -> None:
    db, settings, client, _ = lite_world
    _watch(db, clock)
    probe = WriteProbe(db)
    pause = Pause(READ)
    pause.inside = probe
    with paused(db, pause):
        ping = Run(lambda: _ping(client, settings))
        ping.start()
        pause.wait_reached()
        pause.resume()
        assert ping.outcome().status_code == 200
    assert probe.locked_out, probe.refused
    assert _beat(db).state == UP
