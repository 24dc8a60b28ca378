"""A drill resolved before its scenario ends: the scenario's `resolve:` steps still resolve the
alerts it fired, when they are due, so no synthetic alert stays firing in the alert list; the
steps that would fire (and a resolve of an alert that never fired) are skipped, and nothing
pages after the drill ended. On both databases, on the fake clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.review.drills.world import World, apply, org, world
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

__all__ = ["world"]
SCENARIO = """\
steps:
  - at: 0m
    fire: latency
    labels: {alertname: CheckoutLatency}
  - at: 5m
    fire: errors
    labels: {alertname: CheckoutErrors}
  - at: 10m
    resolve: errors
  - at: 20m
    resolve: latency
"""


def _drill_alerts(world: World, headers: dict[str, str]) -> list[tuple[str, str]]:
    """The alert list as a user reads it: every drill alert, with its status."""
    answer = world.client.get("/api/v1/alerts", params={"integration": "drill"}, headers=headers)
    assert answer.status_code == 200, answer.text
    return [(a["labels"]["alertname"], a["status"]) for a in answer.json()]


def _delivered(world: World) -> tuple[int, int]:
    return len(world.hooks.requests), len(world.box.messages)


def test_resolve_steps_still_play_after_the_drill_ended(
    db: Database, clock: FakeClock, world: World, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org(world.hooks.url))
    start = clock.now()
    body = {"severity": "P2", "service": "checkout", "scenario": SCENARIO}
    answer = world.client.post("/api/v1/drills", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    world.drain(clock)
    assert _drill_alerts(world, admin_headers) == [("CheckoutLatency", "firing")]

    ended = world.client.post(f"/api/v1/incidents/{number}/resolve", headers=admin_headers)
    assert ended.status_code == 200, ended.text
    world.drain(clock)  # the resolution's own messages
    delivered = _delivered(world)

    for minutes in (5, 10):  # errors would fire, then resolve: neither plays
        clock.set(start + timedelta(minutes=minutes))
        world.drain(clock)
        assert _drill_alerts(world, admin_headers) == [("CheckoutLatency", "firing")]
    clock.set(start + timedelta(minutes=20))
    world.drain(clock)
    assert _drill_alerts(world, admin_headers) == [("CheckoutLatency", "resolved")]
    clock.advance(days=8)  # past any step: nothing else comes
    world.drain(clock)
    assert _drill_alerts(world, admin_headers) == [("CheckoutLatency", "resolved")]
    assert _delivered(world) == delivered  # nobody paged, no message after the drill ended

    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert incident.status == "resolved"
        kinds = ["review:drill:fired", "review:drill:resolved", "review:drill:skipped"]
        events: list[tuple[str, Any]] = [
            (e.kind, e.payload.get("step", e.payload.get("steps")))
            for e in timeline.events_since(session, incident_id=incident.id, kinds=kinds)
        ]
    assert events == [
        ("review:drill:fired", 0),
        ("review:drill:skipped", [1]),
        ("review:drill:skipped", [2]),
        ("review:drill:resolved", 3),
    ]
