"""Two senders of one integration at once near the storm threshold (PostgreSQL): the storm
row is locked before the integration's recent opens are read, so the second request counts
the first one's incident and the sliding window is exact under concurrency."""

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
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.settings import Settings

AM = "/api/v1/intake/alertmanager"
STORMY = ORG.replace(
    f'secret: "{SECRET}"}}', f'secret: "{SECRET}", storm: {{threshold: 2, window: 1m}}}}'
)


@pytest.fixture
def client(
    bind_app: BindApp, pg_db: Database, clock: FakeClock, tmp_path: Any
) -> Iterator[TestClient]:
    assert STORMY != ORG
    doc, problems = config_service.load_files({"org.yaml": STORMY})
    assert not problems, problems.lines()
    with pg_db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    settings = Settings(database_url=pg_db.url, secret_key="test-secret", data_dir=tmp_path)
    with TestClient(bind_app(settings, pg_db, clock)) as test_client:
        yield test_client


def _titles(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(Incident.title).order_by(Incident.id)))


def test_a_request_waiting_on_the_storm_row_counts_the_opens_before_it(
    pg_db: Database, clock: FakeClock, client: TestClient
) -> None:
    # One open 50s ago: still inside the minute that ends when the two requests arrive.
    r = client.post(AM, json=am_body("early", {"e1": "firing"}), headers=am_headers())
    assert r.status_code == 202, r.text
    clock.advance(timedelta(seconds=50))
    pause = Pause(r"SELECT incidents\.opened_at\s+FROM incidents")
    with paused(pg_db, pause):
        first = Run(
            lambda: client.post(AM, json=am_body("a", {"a1": "firing"}), headers=am_headers())
        )
        first.start()
        pause.wait_reached()  # the first holds the storm row, its opens read
        second = Run(
            lambda: client.post(AM, json=am_body("b", {"b1": "firing"}), headers=am_headers())
        )
        second.start()
        assert wait_blocked_or_done(pg_db, second)  # waits on the storm row
        pause.resume()
        assert first.outcome().status_code == 202
        assert second.outcome().status_code == 202
    titles = _titles(pg_db)
    # early and a opened (two within the minute); b, the third, starts the storm.
    assert len(titles) == 3, titles
    assert titles[-1].startswith("Alert storm from prom"), titles
