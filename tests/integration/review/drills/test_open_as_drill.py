"""`warroom incident open --drill` (the API's `drill: true`) records a drill as `warroom drill
start` does: `drill list` and the drills API show it, its timeline says the drill started, and
the analytics report counts it with the drills, apart from production."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.review.drills.models import Drill

ORG = """\
severities:
  - {key: P1, name: High}
  - {key: P2, name: Medium}
services:
  - {key: checkout, name: Checkout}
  - {key: search, name: Search}
"""


def _apply(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _started_events(db: Database, number: int) -> list[dict[str, Any]]:
    with db.session() as session:
        query = (
            select(TimelineEvent.payload)
            .join(Incident, Incident.id == TimelineEvent.incident_id)
            .where(Incident.number == number, TimelineEvent.kind == "review:drill:started")
        )
        return [dict(p) for p in session.scalars(query)]


def test_incident_open_drill_is_listed_and_reported_as_a_drill(
    cli: Callable[..., Any],
    client: TestClient,
    db: Database,
    clock: FakeClock,
    admin_headers: dict[str, str],
) -> None:
    _apply(db, clock)
    opened = _ok(
        cli(
            "incident",
            "open",
            "--title",
            "Checkout rehearsal",
            "--severity",
            "P2",
            "--service",
            "checkout",
            "--service",
            "search",
            "--drill",
            "--json",
        )
    )
    started = _ok(cli("drill", "start", "--severity", "P1", "--service", "search", "--json"))
    real = _ok(cli("incident", "open", "--title", "Checkout down", "--severity", "P2", "--json"))
    assert opened["drill"] is True and opened["title"] == "DRILL: Checkout rehearsal"

    listed = {d["ref"]: d for d in _ok(cli("drill", "list", "--json"))}
    assert sorted(listed) == sorted([opened["ref"], started["ref"]])  # the real one is not
    drill = listed[opened["ref"]]
    assert drill["number"] == opened["number"]
    assert drill["severity"] == "P2" and drill["service"] == "checkout"
    assert drill["schedule"] == "" and drill["participants"] == [] and drill["steps"] == 0
    assert drill["started_by"] == started["started_by"]  # the same person, either way
    assert drill["status"] == "triggered"
    shown = client.get("/api/v1/drills", headers=admin_headers).json()
    assert {d["number"] for d in shown} == {opened["number"], started["number"]}
    assert opened["ref"] in cli("drill", "list").output

    # Once each on the timeline, as `drill start` records it.
    assert _started_events(db, opened["number"]) == [
        {"drill_id": drill["id"], "schedule": None, "participants": [], "steps": 0}
    ]
    assert len(_started_events(db, started["number"])) == 1
    assert _started_events(db, real["number"]) == []
    with db.session() as session:
        assert session.scalar(select(func.count(Drill.id))) == 2

    clock.advance(minutes=5)  # the window ends now: opened before it
    report = client.get("/api/v1/analytics?since=1d", headers=admin_headers).json()
    assert report["incidents"]["total"] == 1  # production: the real one only
    assert report["drills"]["incidents"]["total"] == 2
    assert report["drills"]["incidents"]["by_severity"] == {"P1": 1, "P2": 1}
    figures = client.get("/api/v1/drills/report?since=1d", headers=admin_headers).json()
    assert {d["number"] for d in figures["drills"]} == {opened["number"], started["number"]}


def test_api_drill_true_records_the_drill_once(
    client: TestClient, db: Database, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    _apply(db, clock)
    body = {"title": "Search rehearsal", "severity": "P1", "drill": True}
    r = client.post("/api/v1/incidents", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    [drill] = client.get("/api/v1/drills", headers=admin_headers).json()
    assert drill["number"] == number and drill["service"] is None
    assert len(_started_events(db, number)) == 1
