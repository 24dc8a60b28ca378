"""The dashboard read the 200 newest open incidents and said nothing of the others: in an
alert storm of 200 minor incidents, the oldest one (an unacknowledged P0) vanished from the
dashboard and the heading counted 200. Each severity now lists its own incidents, so a storm
of minor ones never hides a major one, and a severity with more than the dashboard shows
says so and links to all of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import listing


def test_a_storm_of_minor_incidents_does_not_hide_a_major_one(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    apply(db, clock)  # severities P0 and P2
    storm = listing.MAX_PAGE + 1
    with db.session() as session:
        make_incident(session, clock, title="Ancient outage", severity="P0")
        for i in range(storm):
            make_incident(session, clock, title=f"Disk filling {i}", severity="P2")
    ui_login(client, "viewer")

    text = client.get("/").text
    assert "Ancient outage" in text
    assert re.search(r"Open incidents \(at least \d+\)", text)
    more = re.search(r'<p class="more" id="more-P2">(.*?)</p>', text, re.S)
    assert more, "the P2 group says it is cut"
    assert f"the newest {listing.MAX_PAGE} of more" in more.group(1)
    assert 'href="/ui/incidents?severity=P2"' in more.group(1)
    assert 'id="more-P0"' not in text
    # The live fragment says the same.
    fragment = client.get("/ui/dashboard/fragment").text
    assert "Ancient outage" in fragment and 'id="more-P2"' in fragment


def test_a_dashboard_that_shows_everything_says_the_count(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    apply(db, clock)
    with db.session() as session:
        make_incident(session, clock, title="Ancient outage", severity="P0")
        make_incident(session, clock, title="Disk filling", severity="P2")
    ui_login(client, "viewer")
    text = client.get("/").text
    assert "Open incidents (2)" in text and 'class="more"' not in text
