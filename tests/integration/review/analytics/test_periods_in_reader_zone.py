"""Per-day, per-week and per-month figures are calendar periods in the reader's zone: the API's
`tz` (default UTC), which `warroom report` sends from WARROOM_TZ and the Analytics page from
the person's users.time_zone. They were UTC periods whatever the reader: an incident at 18:00
on Monday 2 March in Los Angeles was counted on Tuesday 3 March. On both databases, across
the US clock change (Sunday 8 March 2026)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.web.conftest import PASSWORD, sign_in
from warroom.auth import service as auth_service
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

LA = "America/Los_Angeles"
OPENED = (
    datetime(2026, 3, 3, 2, 0, tzinfo=UTC),  # Mon 2 March 18:00 PST (UTC: Tue 3 March)
    datetime(2026, 3, 9, 3, 0, tzinfo=UTC),  # Sun 8 March 20:00 PDT (UTC: Mon 9 March)
    datetime(2026, 4, 1, 6, 30, tzinfo=UTC),  # Mar 31 23:30 PDT (UTC: 1 April)
)


@pytest.fixture
def opened(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        for when in OPENED:
            clock.set(when)
            incident = make_incident(session, clock, severity="SEV1")
            clock.advance(seconds=60)
            incidents.acknowledge(session, clock, incident, actor="t@example.com")
        reader = auth_service.ensure_user(
            session, clock, email="la@example.com", name="La", role="viewer"
        )
        reader.time_zone = LA
        reader.password_hash = hash_password(PASSWORD)
        session.commit()
    clock.set(datetime(2026, 4, 10, tzinfo=UTC))


def _periods(data: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for point in data["incidents"]["severity_over_time"]:
        found[point["period"]] = found.get(point["period"], 0) + point["count"]
    return found


def test_cli_periods_in_the_reader_zone(
    opened: None, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_TZ", LA)
    args = ("report", "--since", "2026-03-01", "--until", "2026-04-02", "--json")
    days = json.loads(cli(*args, "--bucket", "day").stdout)
    assert days["time_zone"] == LA
    assert _periods(days) == {"2026-03-02": 1, "2026-03-08": 1, "2026-03-31": 1}
    assert set(days["times"]["by_period"]) == {"2026-03-02", "2026-03-08", "2026-03-31"}
    weeks = json.loads(cli(*args, "--bucket", "week").stdout)
    assert _periods(weeks) == {"2026-03-02": 2, "2026-03-30": 1}
    months = json.loads(cli(*args, "--bucket", "month").stdout)
    assert _periods(months) == {"2026-03-01": 3}


def test_api_tz_and_its_default(
    opened: None, client: TestClient, viewer_headers: dict[str, str]
) -> None:
    query = {"since": "2026-03-01T00:00:00Z", "until": "2026-04-02T00:00:00Z", "bucket": "day"}
    utc = client.get("/api/v1/analytics", params=query, headers=viewer_headers).json()
    assert utc["time_zone"] == "UTC"
    assert _periods(utc) == {"2026-03-03": 1, "2026-03-09": 1, "2026-04-01": 1}
    local = client.get("/api/v1/analytics", params={**query, "tz": LA}, headers=viewer_headers)
    assert _periods(local.json()) == {"2026-03-02": 1, "2026-03-08": 1, "2026-03-31": 1}
    bad = client.get(
        "/api/v1/analytics", params={**query, "tz": "Mars/Olympus"}, headers=viewer_headers
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "tz" and "Mars/Olympus" in bad.text


def test_page_periods_in_the_person_zone(opened: None, client: TestClient) -> None:
    assert sign_in(client, "la@example.com").status_code == 303
    page = client.get(
        "/ui/analytics", params={"since": "2026-03-01", "until": "2026-04-02", "bucket": "week"}
    )
    assert page.status_code == 200, page.text
    assert "per week (the chart's periods are weeks in America/Los_Angeles)" in page.text
