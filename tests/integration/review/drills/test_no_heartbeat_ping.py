"""A drill's scripted alert never pings a heartbeat: a scenario that fires the Watchdog alert a
heartbeat listens for (`alertname: Watchdog`) leaves the heartbeat as it was, so a rehearsal
cannot keep a dead Alertmanager looking alive; the real Watchdog still pings it."""

from __future__ import annotations

from tests.integration.intake.conftest import am_headers
from tests.integration.intake.test_watchdog import HEARTBEAT, WATCHDOG, heartbeat
from tests.integration.review.drills.world import World, apply, org, world
from warroom.clock import FakeClock
from warroom.db import Database

__all__ = ["world"]
SCENARIO = """\
steps:
  - at: 0m
    fire: watchdog
    labels: {alertname: Watchdog, severity: none}
"""
INTEGRATION = """
integrations:
  - {key: prom, type: alertmanager, secret: "prom-secret-0123456789"}
"""


def test_a_drill_watchdog_alert_pings_no_heartbeat(
    db: Database, clock: FakeClock, world: World, admin_headers: dict[str, str]
) -> None:
    text = org(world.hooks.url, HEARTBEAT.replace("SEV1", "P1") + INTEGRATION)
    apply(db, clock, text)
    body = {"severity": "P2", "service": "checkout", "scenario": SCENARIO}
    answer = world.client.post("/api/v1/drills", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["steps"] == 1
    world.drain(clock)
    played = world.client.get(f"/api/v1/incidents/{answer.json()['number']}/timeline",
                              headers=admin_headers).json()  # fmt: skip
    assert "review:drill:fired" in [e["kind"] for e in played["items"]]
    assert heartbeat(db).last_seen_at is None

    real = world.client.post("/api/v1/intake/alertmanager", json=WATCHDOG, headers=am_headers())
    assert real.status_code == 202, real.text
    assert heartbeat(db).last_seen_at is not None
