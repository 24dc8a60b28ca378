"""/ui/silences?all=1 lists what intake reads, the newest 1000 silences, and said nothing of
older ones: after a year of silences the oldest just were not there. The page now says that
only the newest are listed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import apply_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake.models import Silence
from warroom.web.pages_alerts import SILENCES_LISTED


def _silences(db: Database, clock: FakeClock, count: int) -> None:
    now = clock.now()
    with db.session() as session:
        session.add_all(
            Silence(
                matchers=[f'service="s{i}"'],
                starts_at=now - timedelta(days=2),
                ends_at=now - timedelta(days=1),
                author="ops@example.com",
                comment=f"old {i}",
                created_at=now - timedelta(days=2),
            )
            for i in range(count)
        )


def test_a_cut_list_of_silences_says_so(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    _silences(db, clock, SILENCES_LISTED + 1)
    ui_login(client, "viewer")
    page = client.get("/ui/silences", params={"all": "1"}).text
    assert page.count("data-silence=") == SILENCES_LISTED
    assert f'id="silences-cut">Only the newest {SILENCES_LISTED} silences are listed' in page


def test_a_short_list_says_nothing_more(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    _silences(db, clock, 3)
    ui_login(client, "viewer")
    page = client.get("/ui/silences", params={"all": "1"}).text
    assert page.count("data-silence=") == 3 and 'id="silences-cut"' not in page
