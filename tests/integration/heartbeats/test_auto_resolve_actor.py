"""A heartbeat with `auto_resolve` resolves its incident itself when pings come back: the
resolution is warroom's (`warroom:heartbeat`), not the person whose token the cron job or monitor
pings with, so that person is not recorded as having resolved it nor made the author of the
postmortem its severity requires (and reminded of it); the ping's actor stays on the
`recovered` event. The real worker and ping endpoint, a fake clock, both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import MakeToken
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.heartbeats.models import Heartbeat
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.review.postmortems import service as postmortems
from warroom.settings import Settings

ORG = """
severities:
  - {key: SEV1, name: High, postmortem: {required: true, due_within: 48h}}
users:
  - email: cron@beat.test
    name: Cron
    role: responder
    contact_methods: [{name: push, url: "json://127.0.0.1:9/cron"}]
services:
  - {key: monitoring, name: Monitoring}
heartbeats:
  - name: backup
    interval: 1m
    grace: 30s
    severity: SEV1
    service: monitoring
    auto_resolve: true
"""


@pytest.fixture(autouse=True)
def fake_sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def test_an_auto_resolve_is_warroom_s_not_the_pinger_s(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
) -> None:
    doc, problems = config.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with db.session() as session:
        config.apply_document(session, clock, doc, actor="test")
    cron = {"Authorization": f"Bearer {make_token('responder', email='cron@beat.test')}"}
    clock.advance(seconds=90)
    Worker(db, clock, settings, "w").run_once()
    with db.session() as session:
        down = session.scalar(select(Heartbeat).where(Heartbeat.name == "backup"))
        assert down is not None and down.incident_id is not None
        incident_id = down.incident_id
    clock.advance(minutes=10)
    answer = client.post("/api/v1/heartbeats/backup", headers=cron)
    assert answer.status_code == 200, answer.text
    with db.session() as session:
        incident = incidents.get_incident_by_id(session, incident_id)
        assert incident.status == "resolved"
        assert incident.resolved_by == "warroom:heartbeat"
        pm = postmortems.get_for_incident(session, incident_id)
        assert pm is not None and pm.author is None
        recovered = session.scalar(
            select(TimelineEvent).where(
                TimelineEvent.incident_id == incident_id,
                TimelineEvent.kind == "heartbeat:heartbeat:recovered",
            )
        )
        assert recovered is not None and recovered.actor == "cron@beat.test"
