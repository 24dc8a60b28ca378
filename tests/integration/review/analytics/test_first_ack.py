"""An alert that fires again after a resolve, acknowledged again: MTTA and the ack target are
measured to the first acknowledgement, which the incident keeps (as a reopen does); through
the real CLI and the API, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
FIRST, SECOND = "first@example.com", "second@example.com"


def test_an_ack_after_a_refire_keeps_the_first(
    db: Database, clock: FakeClock, cli: Any, client: TestClient, viewer_headers: dict[str, str]
) -> None:
    with db.session() as session:
        clock.set(OPENED)
        incident = make_incident(session, clock, severity="SEV1")  # ack target 15 min
        for after, move, actor in (
            (timedelta(seconds=60), incidents.acknowledge, FIRST),
            (timedelta(minutes=10), incidents.resolve, FIRST),
            (timedelta(hours=2), incidents.refire, "intake:alertmanager"),
            (timedelta(hours=2, seconds=60), incidents.acknowledge, SECOND),
            (timedelta(hours=2, minutes=2), incidents.resolve, SECOND),
        ):
            clock.set(OPENED + after)
            move(session, clock, incident, actor=actor)
        number = incident.number
        session.commit()

    report = report_json(cli, clock)
    assert report["times"]["overall"]["mtta"] == {"count": 1, "mean_s": 60.0, "median_s": 60.0}
    assert report["sla"]["SEV1"]["acknowledged"] == {"met": 1, "missed": 0, "ratio": 1.0}

    shown = client.get(f"/api/v1/incidents/{number}", headers=viewer_headers).json()
    assert (shown["acknowledged_at"][:19], shown["acknowledged_by"]) == (
        "2026-03-02T10:01:00",
        FIRST,
    )
