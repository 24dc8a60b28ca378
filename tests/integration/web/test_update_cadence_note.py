"""The web status-update composer says, as the API and the CLI do (`cadence_note`), when the
next update is planned later than the severity's cadence: it is planned as asked, and nobody
is reminded before then. Both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from tests.integration.comms.test_updates_api import HOOK, open_incident
from tests.integration.web.incident_world import Login, post, shown
from warroom.clock import FakeClock
from warroom.db import Database


def test_the_composer_notes_a_next_update_past_the_cadence(
    db: Database, clock: FakeClock, client: TestClient, ui_login: Login
) -> None:
    apply(db, clock, org(HOOK))  # P0: internal every 30m, external every 1h
    number = open_incident(db, clock)
    ui_login(client)
    draft = {"state": "identified", "internal": "rolling back", "do": "post"}
    answer = post(client, number, "/updates", {**draft, "next_update": "2h"})
    assert answer.status_code == 303, answer.text
    page = shown(client, number)
    assert "internal status update posted (identified)" in page
    assert (
        "update posted; note: P0 asks for an internal update every 30m: the next is due in "
        "2h, as asked (the reminder comes 5m before then)"
    ) in page
    post(client, number, "/updates", {**draft, "next_update": "20m"})
    assert "the next is due in" not in shown(client, number)  # within the cadence: no note
