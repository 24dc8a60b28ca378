"""A drill's scenario runs on the engine on schedule (fake clock): each step's synthetic alert
goes through the real intake path and joins the drill incident, never a real one; a real
alert with the same labels opens its own (real) incident. A bad scenario file is refused
with `file:line` and nothing is written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.integration.review.drills.world import World, apply, org, world
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.intake import service as intake

__all__ = ["world"]
SCENARIO = """\
title: Checkout latency above 2s
steps:
  - at: 0m
    fire: latency
    summary: Checkout p99 above 2s
    labels: {alertname: CheckoutLatency, service: checkout}
  - at: 5m
    fire: errors
    labels: {alertname: CheckoutErrors}
    annotations: {description: 5xx above 1%}
  - at: 20m
    resolve: latency
"""


def _run(world: World, clock: FakeClock) -> None:
    """Run what is due now (twice over, for a job retried after a busy SQLite)."""
    for _ in range(2):
        while world.worker.run_once():
            pass
        clock.advance(seconds=5)


def _alerts(db: Database, number: int) -> dict[str, Any]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = intake.list_alerts(session, incident_id=incident.id)
        return {r.labels["alertname"]: (r.integration, r.status, r.summary) for r in rows}


def test_steps_fire_and_resolve_on_schedule_inside_the_drill(
    db: Database, clock: FakeClock, world: World, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org(world.hooks.url))
    start = clock.now()
    body = {"severity": "P2", "service": "checkout", "scenario": SCENARIO,
            "scenario_name": "drills/latency.yaml"}  # fmt: skip
    answer = world.client.post("/api/v1/drills", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    assert answer.json()["title"] == "DRILL: Checkout latency above 2s"
    assert answer.json()["steps"] == 3
    _run(world, clock)
    assert _alerts(db, number) == {
        "CheckoutLatency": ("drill", "firing", "DRILL: Checkout p99 above 2s")
    }
    # A real alert with the same labels is no part of the drill: it opens a real incident.
    real = {"title": "Checkout p99 above 2s", "severity": "P2",
            "labels": {"alertname": "CheckoutLatency", "service": "checkout"}}  # fmt: skip
    assert world.client.post("/api/v1/intake/generic", json=real,
                             headers=admin_headers).status_code == 202  # fmt: skip
    with db.session() as session:
        opened = list(session.scalars(select(Incident).order_by(Incident.number)))
    assert [(i.number, i.drill) for i in opened] == [(number, True), (number + 1, False)]
    assert "DRILL" not in opened[1].title

    clock.set(start + timedelta(minutes=4))
    _run(world, clock)
    assert set(_alerts(db, number)) == {"CheckoutLatency"}  # the 5m step is not due yet
    clock.set(start + timedelta(minutes=5))
    _run(world, clock)
    alerts = _alerts(db, number)
    assert alerts["CheckoutErrors"][:2] == ("drill", "firing")
    clock.set(start + timedelta(minutes=20))
    _run(world, clock)
    alerts = _alerts(db, number)
    assert alerts["CheckoutLatency"][1] == "resolved" and alerts["CheckoutErrors"][1] == "firing"
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        drill_kinds = ["review:drill:started", "review:drill:fired", "review:drill:resolved"]
        kinds = [
            e.kind
            for e in timeline.events_since(session, incident_id=incident.id, kinds=drill_kinds)
        ]
    assert kinds == [
        "review:drill:started", "review:drill:fired", "review:drill:fired",
        "review:drill:resolved",
    ]  # fmt: skip


def test_a_bad_scenario_file_is_refused_with_its_line(
    db: Database, clock: FakeClock, cli: Any, tmp_path: Path
) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    bad = tmp_path / "latency.yaml"
    bad.write_text("steps:\n  - at: 0m\n    fire: a\n  - at: 5 minutes\n    fire: b\n")
    result = cli("drill", "start", "--severity", "P2", "--scenario", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:4: steps.1.at: Value error, '5 minutes' is not a duration" in result.output
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 0
