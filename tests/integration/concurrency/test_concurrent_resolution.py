"""The last two open alerts of an incident resolve in two simultaneous requests (PostgreSQL):
exactly one of them sees none left, says so, and with auto_resolve resolves the incident,
which then stops paging."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from tests.integration.concurrency.world import (
    Pause,
    Run,
    am_body,
    am_headers,
    events,
    levels_paged,
    minutes,
    paused,
    status_of,
    wait_blocked_or_done,
    worker,
)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
OPEN_COUNT = r"SELECT alerts\.incident_id, count\(\*\)"


def _post(client: TestClient, service: str, fingerprint: str) -> int:
    body = am_body(service, {fingerprint: "resolved"})
    return client.post("/api/v1/intake/alertmanager", json=body, headers=am_headers()).status_code


def _race(world: World, clock: FakeClock, service: str) -> int:
    db, settings, client, _ = world
    r = client.post(
        "/api/v1/intake/alertmanager",
        json=am_body(service, {"a1": "firing", "a2": "firing"}),
        headers=am_headers(),
    )
    assert r.status_code == 202, r.text
    (number,) = r.json()["incidents"]
    worker(db, clock, settings).run_once()
    assert levels_paged(db, number) == [1]
    first: list[int] = []
    pause = Pause(OPEN_COUNT, only=lambda: not first or threading.get_ident() == first[0])

    def resolve_first() -> int:
        return _post(client, service, "a1")

    with paused(db, pause):
        one = Run(resolve_first)
        one.start()
        pause.wait_reached()  # request one has resolved a1 and counted what is left
        first.append(-1)  # from now on the pause matches nobody
        two = Run(lambda: _post(client, service, "a2"))
        two.start()
        assert wait_blocked_or_done(db, two), "the second request must wait for the first"
        pause.resume()
        assert one.outcome() == 202
        assert two.outcome() == 202
    return int(number)


def test_exactly_one_request_sees_all_alerts_resolved(pg_world: World, clock: FakeClock) -> None:
    db = pg_world[0]
    number = _race(pg_world, clock, "api")
    assert len(events(db, number, "intake:incident:all_alerts_resolved")) == 1
    still_open = sorted(p["still_open"] for p in events(db, number, "intake:alert:resolved"))
    assert still_open == [0, 1]
    assert status_of(db, number) == "triggered"  # api has no auto_resolve


def test_auto_resolve_resolves_and_paging_stops(pg_world: World, clock: FakeClock) -> None:
    db, settings, _, _ = pg_world
    number = _race(pg_world, clock, "db")
    assert len(events(db, number, "intake:incident:all_alerts_resolved")) == 1
    assert status_of(db, number) == "resolved"
    clock.advance(minutes(30))
    worker(db, clock, settings).run_once()
    assert levels_paged(db, number) == [1]  # no level 2 after every alert resolved
