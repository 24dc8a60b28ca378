"""A drill moves no production counter on /metrics: a drill that pages nobody is not an
unpaged incident (`warroom_incidents_unpaged_total`), and its postmortem flagged overdue is not
counted in `warroom_postmortems_overdue_total`, as the gauges already leave drills out; the same
for a real incident moves both."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.review.drills.world import World, apply, org, world
from warroom.clock import FakeClock
from warroom.db import Database

__all__ = ["world"]
COUNTERS = ("warroom_incidents_unpaged", "warroom_postmortems_overdue")
# P1 pages (no escalation policy: nobody) and requires a postmortem within a day.
P1 = "{key: P1, name: High, postmortem: {required: true, due_within: 24h}}"


def _counted(client: TestClient, headers: dict[str, str]) -> dict[str, float]:
    text = client.get("/metrics", headers=headers).text
    found = dict.fromkeys(COUNTERS, 0.0)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if family.name in found and sample.name.endswith("_total"):
                found[family.name] += sample.value
    return found


def _run(world: World, clock: FakeClock, headers: dict[str, str], *, drill: bool) -> None:
    body = {"title": "Checkout down", "severity": "P1", "services": ["checkout"], "drill": drill}
    opened = world.client.post("/api/v1/incidents", json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    number = opened.json()["number"]
    resolved = world.client.post(f"/api/v1/incidents/{number}/resolve", json={}, headers=headers)
    assert resolved.status_code == 200, resolved.text
    world.drain(clock)
    clock.advance(hours=25)  # past the postmortem's due time: the engine flags it overdue
    world.drain(clock)
    shown = world.client.get(f"/api/v1/incidents/{number}/postmortem", headers=headers).json()
    assert shown["overdue"] is True and shown["overdue_since"] is not None


def test_a_drill_moves_no_production_counter(
    db: Database, clock: FakeClock, world: World, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org(world.hooks.url).replace("{key: P1, name: High}", P1))
    before = _counted(world.client, admin_headers)
    _run(world, clock, admin_headers, drill=True)
    assert _counted(world.client, admin_headers) == before

    _run(world, clock, admin_headers, drill=False)
    after = _counted(world.client, admin_headers)
    assert {k: after[k] - before[k] for k in COUNTERS} == dict.fromkeys(COUNTERS, 1.0)
