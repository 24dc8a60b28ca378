"""Many writers at once, straight through the service: no duplicate alerts or incidents.

On PostgreSQL the requests really run in parallel (the partial unique index, ON CONFLICT and
the per-group advisory lock do the work); on SQLite the in-process writer lock serialises them.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from tests.integration.intake.conftest import AM_FIRING
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake import alertmanager, gate, service
from warroom.intake.models import Alert


class FakeApp:
    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.state = type("S", (), {"db": db, "clock": clock})()


def test_parallel_first_sightings_make_one_alert_and_one_incident(
    configured: Database, clock: FakeClock
) -> None:
    app: Any = FakeApp(configured, clock)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []
    results: list[dict[str, Any]] = []

    def send() -> None:
        batch = alertmanager.parse(AM_FIRING)
        try:
            barrier.wait()
            result = gate.unit_of_work(
                app, lambda s, c, cfg: service.ingest(s, c, cfg, "prom", batch).to_json()
            )
            results.append(result)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["created"] for r in results) == 2
    assert sum(r["created"] + r["repeated"] for r in results) == 12
    with configured.session() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 2
        assert session.scalar(select(func.sum(Alert.count))) == 12
        incidents = session.scalars(select(Alert.incident_id).distinct()).all()
        assert len(incidents) == 1 and incidents[0] is not None


def test_parallel_new_alerts_of_one_group_open_one_incident(
    configured: Database, clock: FakeClock
) -> None:
    app: Any = FakeApp(configured, clock)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def send(n: int) -> None:
        body = {**AM_FIRING, "alerts": [dict(AM_FIRING["alerts"][0])]}
        alert = body["alerts"][0]
        alert["labels"] = {**alert["labels"], "instance": f"10.0.0.{n}:80"}
        alert["fingerprint"] = ""
        batch = alertmanager.parse(body)
        try:
            barrier.wait()
            gate.unit_of_work(app, lambda s, c, cfg: service.ingest(s, c, cfg, "prom", batch))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with configured.session() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 8
        incidents = session.scalars(select(Alert.incident_id).distinct()).all()
        assert len(incidents) == 1 and incidents[0] is not None
