"""A new alert joining its group's open incident while another request resolves that incident
(its last alert resolved, auto_resolve), forced on PostgreSQL. The joining request found the
incident open before it locked it; after the lock it must see it resolved and place the alert
as a new one (a new incident that pages), not bury it in the resolved incident."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import BindApp
from tests.integration.concurrency import test_intake_cross_incidents as cross
from tests.integration.concurrency.world import Pause
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.notify import senders
from warroom.settings import Settings

ORG = cross.ORG.replace("{key: web, name: Web}", "{key: web, name: Web, auto_resolve: true}")


@pytest.fixture
def world(
    bind_app: BindApp,
    pg_db: Database,
    clock: FakeClock,
    tmp_path: Any,
    fake_sender: senders.FakeSender,
) -> Iterator[tuple[Database, TestClient]]:
    settings = Settings(database_url=pg_db.url, secret_key="test-secret", data_dir=tmp_path)
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with pg_db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    with TestClient(bind_app(settings, pg_db, clock)) as client:
        yield pg_db, client


def _status(db: Database, number: int) -> str:
    with db.session() as session:
        return str(session.scalar(select(Incident.status).where(Incident.number == number)))


def test_an_alert_joining_an_incident_that_resolves_meanwhile(
    world: tuple[Database, TestClient],
) -> None:
    db, client = world
    y = cross._opened(client, cross._alert("b1", "b"))
    r1, r2, deadlocks, waited = cross._first_holds(
        db,
        Pause(cross.HEAD_BUMP),  # the resolution recorded on Y: it holds Y
        lambda: cross._send(client, cross._alert("b1", "b", "resolved")),
        lambda: cross._send(client, cross._alert("b2", "b")),
    )
    assert deadlocks == [] and waited
    assert (r1.status_code, r2.status_code) == (202, 202), (r1.text, r2.text)
    assert _status(db, y) == "resolved"
    (number,) = r2.json()["incidents"]
    assert number != y, "the alert was buried in the incident resolved meanwhile"
    assert cross._alerts_of(db, "b2") == [("firing", number)]
    assert _status(db, number) == "triggered"
    assert cross._kinds(db, y, "intake:alert:grouped") == []
