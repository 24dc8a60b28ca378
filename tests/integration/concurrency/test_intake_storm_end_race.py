"""The engine ending a quiet storm while a new alert group arrives (PostgreSQL): both lock the
integration's storm row first, so the group either folds before the end (and the storm goes
on) or, as forced here, waits and finds the storm over: it opens its own incident, never
folding into a storm that has just ended."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import BindApp
from tests.integration.concurrency.world import (
    ORG,
    SECRET,
    Pause,
    Run,
    am_body,
    am_headers,
    paused,
    wait_blocked_or_done,
)
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents.models import Incident
from warroom.intake import storm
from warroom.settings import Settings

AM = "/api/v1/intake/alertmanager"
STORMY = ORG.replace(
    f'secret: "{SECRET}"}}', f'secret: "{SECRET}", storm: {{threshold: 2, quiet: 10m}}}}'
)


@pytest.fixture
def settings(pg_db: Database, tmp_path: Any) -> Settings:
    return Settings(database_url=pg_db.url, secret_key="test-secret", data_dir=tmp_path)


@pytest.fixture
def client(
    bind_app: BindApp, pg_db: Database, clock: FakeClock, settings: Settings
) -> Iterator[TestClient]:
    assert STORMY != ORG
    doc, problems = config_service.load_files({"org.yaml": STORMY})
    assert not problems, problems.lines()
    with pg_db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    with TestClient(bind_app(settings, pg_db, clock)) as test_client:
        yield test_client


def _send(client: TestClient, group: str) -> list[int]:
    r = client.post(AM, json=am_body(group, {f"{group}-1": "firing"}), headers=am_headers())
    assert r.status_code == 202, r.text
    return list(r.json()["incidents"])


def test_a_group_arriving_while_the_engine_ends_the_storm_opens_its_own_incident(
    pg_db: Database, clock: FakeClock, client: TestClient, settings: Settings
) -> None:
    for group in ("g1", "g2", "g3"):  # two incidents, then the storm
        _send(client, group)
    with pg_db.session() as session:
        held = session.scalars(select(Incident).where(Incident.title.like("Alert storm%"))).one()
        held_id, held_number = held.id, held.number
    clock.advance(timedelta(minutes=10))  # quiet for its whole quiet period
    worker = Worker(pg_db, clock, settings, "race-worker")
    pause = Pause(r"FROM intake_storms.*FOR UPDATE")
    with paused(pg_db, pause):
        ending = Run(worker.run_once)
        ending.start()
        pause.wait_reached()  # the engine holds the storm row
        arriving = Run(lambda: _send(client, "g4"))
        arriving.start()
        assert wait_blocked_or_done(pg_db, arriving)  # waits on the storm row
        pause.resume()
        ending.outcome()
        (number,) = arriving.outcome()
    assert number != held_number
    with pg_db.session() as session:
        kinds = session.scalars(
            select(TimelineEvent.kind).where(TimelineEvent.incident_id == held_id)
        ).all()
        assert kinds.count(storm.ENDED) == 1 and kinds.count(storm.FOLDED) == 1
        assert storm.holding(session, "prom") is None
