"""A calendar link naming a schedule that does not exist (renamed in the config, a typo in a
pasted link) showed "No schedules to show." under a filter reading "All", as if no rota
existed. The page now says the schedule is unknown and shows every schedule's calendar."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database

PAGE = "/ui/oncall"


def test_an_unknown_schedule_is_named_and_every_calendar_shown(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock)
    ui_login(client, "viewer")
    page = client.get(PAGE, params={"schedule": "atlas-primry", "view": "month"})
    assert page.status_code == 200
    notice = re.search(r'<p class="error" role="alert" id="calendar-unknown">(.*?)</p>', page.text)
    assert notice
    assert html.unescape(notice.group(1)) == (
        "no schedule 'atlas-primry'; every schedule is shown (atlas-primary)"
    )
    assert 'id="schedule-atlas-primary"' in page.text
    assert "No schedules to show" not in page.text
    # The week/month links do not carry the unknown name on.
    assert "atlas-primry" not in page.text.replace(notice.group(0), "")

    known = client.get(PAGE, params={"schedule": "atlas-primary"}).text
    assert 'id="calendar-unknown"' not in known and 'id="schedule-atlas-primary"' in known
