"""A page's ack link tapped while a person acknowledges through the API, forced on
PostgreSQL: the tap waits for the incident row, then says the incident was already
acknowledged (200) — not a refusal of a move from a state the incident has left — and the
link is used up; tapped again it is not usable (410). Never a 500."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.concurrency.world import (
    Pause,
    Run,
    am_body,
    am_headers,
    paused,
    status_of,
    wait_blocked_or_done,
    worker,
)
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.paging import links
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
ACK_LOCK = r"^UPDATE incidents SET updated_at"  # a transition's lock of the incident row


def _ack_link(world: World, clock: FakeClock, number: int) -> str:
    db, settings, _, _ = world
    with db.session() as session:
        user_id = session.scalar(select(User.id).where(User.email == "oncall@race.test"))
    token = links.make_token(
        settings.secret_key, purpose="ack", incident_number=number, user_id=user_id, now=clock.now()
    )
    return f"/p/{token}"


def test_an_ack_link_tapped_during_an_api_ack_says_already_acknowledged(
    pg_world: World, clock: FakeClock
) -> None:
    db, settings, client, token = pg_world
    opened = client.post(
        "/api/v1/intake/alertmanager", json=am_body("api", {"a1": "firing"}), headers=am_headers()
    )
    (number,) = opened.json()["incidents"]
    worker(db, clock, settings).run_once()
    link = _ack_link(pg_world, clock, number)

    def api_ack() -> Any:
        auth = {"Authorization": f"Bearer {token}"}
        return client.post(f"/api/v1/incidents/{number}/ack", headers=auth)

    # The first matching statement is the API ack's (the tap starts only once it holds the row).
    with paused(db, Pause(ACK_LOCK)) as pause:
        ack = Run(api_ack)
        ack.start()
        pause.wait_reached()  # the API ack holds the incident row
        tap = Run(lambda: client.post(link))
        tap.start()
        assert wait_blocked_or_done(db, tap), "the tap must wait for the incident row"
        pause.resume()
        assert ack.outcome().status_code == 200
        tapped = tap.outcome()
    assert tapped.status_code == 200, tapped.text
    assert f"INC-{number} was already acknowledged" in tapped.text
    assert status_of(db, number) == "acknowledged"
    again = client.post(link)
    assert again.status_code == 410 and "already been used" in again.text
