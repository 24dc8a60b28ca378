"""A target missed even once never shows as 100%: 199 of 200 acknowledged in time is 0.995, which
the Analytics page's headline, its table and `warroom report` rounded up to "100%". On both
databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.review.analytics.reported import report_json
from tests.integration.web.conftest import PASSWORD, sign_in
from warroom.auth import service as auth_service
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

OPENED = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
ACTOR = "t@example.com"


def test_one_missed_in_two_hundred(
    db: Database, clock: FakeClock, client: TestClient, cli: Any
) -> None:
    with db.session() as session:
        for n in range(200):  # SEV1: acknowledge within 900 s; the last one took 901 s
            clock.set(OPENED + timedelta(minutes=30 * n))
            incident = make_incident(session, clock, severity="SEV1")
            clock.advance(seconds=901 if n == 199 else 60)
            incidents.acknowledge(session, clock, incident, actor=ACTOR)
        reader = auth_service.ensure_user(
            session, clock, email="viewer@example.com", name="Vi", role="viewer"
        )
        reader.password_hash = hash_password(PASSWORD)
        session.commit()

    assert report_json(cli, clock)["sla"]["all"]["acknowledged"] == {
        "met": 199,
        "missed": 1,
        "ratio": 0.995,
    }
    table = cli("report", "--since", "2026-03-01").stdout
    assert re.search(r"│ SEV1 +│ 99% ", table) and re.search(r"│ all +│ 99% ", table), table

    assert sign_in(client, "viewer@example.com").status_code == 303
    page = client.get("/ui/analytics", params={"since": "2026-03-01"})
    assert page.status_code == 200, page.text
    assert "Acknowledged in time: <strong>99%</strong>" in page.text
    assert '<td>99% <span class="muted">(199/200)</span></td>' in page.text  # SEV1's row
