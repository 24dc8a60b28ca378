"""A period typed without an offset is the reader's: `warroom report` reads it in WARROOM_TZ,
and the Analytics page in the signed-in person's time zone (users.time_zone, UTC by default),
so the same words give the same figures in both. The page read it as UTC: a Berlin reader
typing 09:30 got the incidents from 10:30 their time. On both databases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.review.analytics import scenario
from tests.integration.web.conftest import PASSWORD, sign_in
from warroom.auth import service as auth_service
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database

# E opened 03-05 09:00 UTC, F 14:00 UTC. 09:30-15:30 in Berlin (CET) is 08:30-14:30 UTC: both;
# read as UTC it held F only.
SINCE, UNTIL = "2026-03-05T09:30", "2026-03-05T15:30"


def _reader(db: Database, clock: FakeClock, email: str, zone: str | None) -> None:
    with db.session() as session:
        user = auth_service.ensure_user(session, clock, email=email, name="Vi", role="viewer")
        if zone is not None:
            user.time_zone = zone
        user.password_hash = hash_password(PASSWORD)
        session.commit()


@pytest.fixture
def built(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        scenario.build(session, clock)
        session.commit()
    _reader(db, clock, "berlin@example.com", "Europe/Berlin")
    _reader(db, clock, "nozone@example.com", None)


def _page(client: TestClient, email: str, **params: str) -> str:
    assert sign_in(client, email).status_code == 303
    page = client.get("/ui/analytics", params=params)
    assert page.status_code == 200, page.text
    return page.text


def test_page_and_cli_read_a_zoneless_period_alike(
    built: None, client: TestClient, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_TZ", "Europe/Berlin")
    result = cli("report", "--since", SINCE, "--until", UNTIL, "--json")
    assert result.exit_code == 0, result.output
    assert '"total": 2' in result.stdout

    html = _page(client, "berlin@example.com", since=SINCE, until=UNTIL)
    assert 'id="incidents-total">2<' in html
    # The heading gives the period as read, in the reader's zone, and the hint names it.
    assert "2026-03-05 09:30 to 2026-03-05 15:30 CET (Europe/Berlin)" in html
    assert re.search(r"a date such as 2026-03-01 \(read in your time zone, Europe/Berlin\)", html)


def test_an_offset_wins_and_no_zone_is_utc(built: None, client: TestClient) -> None:
    html = _page(client, "berlin@example.com", since="2026-03-05T09:30+00:00", until=UNTIL + "Z")
    assert 'id="incidents-total">1<' in html  # F only: 09:30-15:30 UTC
    assert "2026-03-05 10:30 to 2026-03-05 16:30 CET (Europe/Berlin)" in html

    client.cookies.clear()
    html = _page(client, "nozone@example.com", since=SINCE, until=UNTIL)
    assert 'id="incidents-total">1<' in html
    assert "2026-03-05 09:30 to 2026-03-05 15:30 UTC (UTC)" in html
