"""A monitor set up with `curl URL` (a GET, as many cron lines and uptime checkers send) on the
ping URL `warroom heartbeat url` prints was told "missing credential: send 'Authorization:
Bearer <token>'", though the URL carries its key: nothing said that a ping is a POST, and the
heartbeat went down. It is now a 405 saying so; nothing is pinged. A GET with a token still
reads the heartbeat."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.heartbeats.test_rearm import WATCHDOG, apply, beat
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.heartbeats import service
from warroom.settings import Settings


def test_a_get_on_the_ping_url_says_a_ping_is_a_post(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    viewer_headers: dict[str, str],
) -> None:
    apply(db, clock, WATCHDOG.format(auto="false"))
    key = service.ping_key(settings.secret_key, "watchdog")
    got = client.get(f"/api/v1/heartbeats/watchdog?key={key}")
    assert got.status_code == 405, got.text
    error = got.json()["error"]
    assert "a ping is a POST" in error["message"]
    assert "curl -X POST" in error["message"]
    assert beat(db).last_seen_at is None  # nothing pinged
    read = client.get("/api/v1/heartbeats/watchdog", headers=viewer_headers)
    assert read.status_code == 200 and read.json()["name"] == "watchdog"
    pinged = client.post(f"/api/v1/heartbeats/watchdog?key={key}")
    assert pinged.status_code == 200 and pinged.json()["state"] == "up"
