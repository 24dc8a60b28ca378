"""`warroom drill report --since` takes what `warroom report --since` takes: an ISO time with
its offset (2026-03-01T00:00:00+02:00, 25 characters) was refused with 'String should have at
most 20 characters (field: since)'. Through the real CLI and the API, both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.review.drills.world import apply, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def test_since_an_iso_time_with_its_offset(
    db: Database, clock: FakeClock, client: TestClient, viewer_headers: dict[str, str], cli: Any
) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    for opened in (
        datetime(2026, 2, 28, 21, 0, tzinfo=UTC),
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
    ):
        clock.set(opened)
        with db.session() as session:
            incidents.open_incident(
                session, clock, actor="ic@corp.test", title="Practice", severity="P2", drill=True
            )
            session.commit()
    clock.set(datetime(2026, 3, 2, tzinfo=UTC))
    since = "2026-03-01T00:00:00.000000+02:00"  # 2026-02-28 22:00 UTC

    answer = client.get("/api/v1/drills/report", params={"since": since}, headers=viewer_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["since"] == "2026-02-28T22:00:00Z"
    assert answer.json()["count"] == 1  # the one opened at 23:00 UTC

    result = cli("drill", "report", "--since", since, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["count"] == 1
