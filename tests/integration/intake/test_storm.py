"""Storm guard: a flood of new alert groups from one integration opens at most `threshold`
incidents, then folds into one storm incident that pages once and lists what it holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import BindApp
from tests.integration.intake.conftest import AM_SECRET, am_headers, apply_config
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents.models import Incident
from warroom.intake import storm
from warroom.intake.models import Alert
from warroom.notify.models import Message
from warroom.settings import Settings

AM = "/api/v1/intake/alertmanager"


def storm_config(storm_settings: str = "") -> str:
    return f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV3, name: Minor}}
users:
  - email: oncall@example.com
    name: On-call
    contact_methods: [{{name: hook, url: "json://127.0.0.1:9/hook"}}]
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall@example.com], shift: weekly, start: "2025-12-29"}}
escalation_policies:
  - key: ops
    levels:
      - {{notify: [schedule:primary]}}
services:
  - {{key: api, name: API, escalation_policy: ops}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{AM_SECRET}"{storm_settings}}}
routes:
  - key: default
    service: api
    severity: {{map: {{critical: SEV1}}, default: SEV3}}
"""


def flood(count: int, prefix: str = "Flood") -> dict[str, Any]:
    """One Alertmanager request of `count` alerts, each its own group, none with a severity."""
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": f"{prefix}{n}"},
            "startsAt": "2026-11-22T09:14:05Z",
        }
        for n in range(count)
    ]
    return {"version": "4", "status": "firing", "receiver": "warroom", "alerts": alerts}


@pytest.fixture
def big_client(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db.url, secret_key="test", data_dir=tmp_path, max_body_bytes=8_000_000
    )
    with TestClient(bind_app(settings, db, clock)) as test_client:
        yield test_client


def incidents_of(db: Database) -> list[Incident]:
    with db.session() as session:
        found = list(session.scalars(select(Incident).order_by(Incident.id)))
        session.expunge_all()
        return found


def pages_sent(db: Database, clock: FakeClock) -> int:
    """Run the engine (paging plans, escalations, deliveries); the pages it queued."""
    settings = Settings(database_url=db.url, secret_key="test")
    Worker(db, clock, settings, "test").run_once()
    with db.session() as session:
        query = select(func.count()).select_from(Message).where(Message.purpose.like("page%"))
        return int(session.scalar(query) or 0)


def kinds_on(db: Database, incident_id: int) -> list[str]:
    with db.session() as session:
        kinds = [storm.STARTED, storm.FOLDED, storm.ENDED]
        events = timeline.events_since(session, incident_id=incident_id, kinds=kinds)
        return [e.kind for e in events]


def assert_storm(db: Database, clock: FakeClock, count: int, threshold: int = 20) -> None:
    found = incidents_of(db)
    storms = [i for i in found if i.title.startswith("Alert storm from prom")]
    assert len(storms) == 1, [i.title for i in found]
    assert len(found) == threshold + 1
    held = storms[0]
    with db.session() as session:
        rows = session.execute(select(Alert.incident_id, func.count()).group_by(Alert.incident_id))
        per_incident = {incident_id: int(n) for incident_id, n in rows}
    assert per_incident[held.id] == count - threshold
    assert sum(per_incident.values()) == count and None not in per_incident
    kinds = kinds_on(db, held.id)
    assert kinds.count(storm.STARTED) == 1
    assert kinds.count(storm.FOLDED) == count - threshold  # one event per folded group
    # One page for the storm, one for each ordinary incident opened before it: never 10,004.
    assert pages_sent(db, clock) == threshold + 1


def test_a_flood_in_one_request_folds_into_one_storm_incident(
    db: Database, clock: FakeClock, big_client: TestClient
) -> None:
    apply_config(db, clock, storm_config())
    r = big_client.post(AM, json=flood(2_000), headers=am_headers())
    assert r.status_code == 202, r.text
    assert r.json()["created"] == 2_000
    assert_storm(db, clock, 2_000)
    with db.session() as session:
        holding = storm.holding(session, "prom")
    assert holding is not None and holding["folded_groups"] == 1_980


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_ten_thousand_alerts_open_one_storm_not_ten_thousand_incidents(
    db: Database, clock: FakeClock, big_client: TestClient
) -> None:
    apply_config(db, clock, storm_config())
    r = big_client.post(AM, json=flood(10_000), headers=am_headers())
    assert r.status_code == 202, r.text
    assert_storm(db, clock, 10_000)


def test_the_storm_ends_after_a_quiet_period(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 2, window: 1m, quiet: 5m}"))
    assert client.post(AM, json=flood(4, "A"), headers=am_headers()).status_code == 202
    assert len(incidents_of(db)) == 3  # two ordinary, one storm holding two groups
    clock.advance(timedelta(minutes=3))
    assert client.post(AM, json=flood(1, "B"), headers=am_headers()).status_code == 202
    assert len(incidents_of(db)) == 3  # still stormy: folded
    held = next(i for i in incidents_of(db) if i.title.startswith("Alert storm"))
    assert kinds_on(db, held.id).count(storm.FOLDED) == 3

    clock.advance(timedelta(minutes=6))  # quiet for longer than 5m
    assert client.post(AM, json=flood(1, "C"), headers=am_headers()).status_code == 202
    assert len(incidents_of(db)) == 4  # the storm ended: C opens its own incident
    assert kinds_on(db, held.id).count(storm.ENDED) == 1
    with db.session() as session:
        assert storm.holding(session, "prom") is None


def test_opens_spread_over_windows_never_start_a_storm(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 2, window: 1m}"))
    for wave in "ABC":
        assert client.post(AM, json=flood(2, wave), headers=am_headers()).status_code == 202
        clock.advance(timedelta(seconds=61))
    titles = [i.title for i in incidents_of(db)]
    assert len(titles) == 6 and not any(t.startswith("Alert storm") for t in titles)


def test_repeats_of_a_folded_group_stay_with_the_storm(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 1}"))
    assert client.post(AM, json=flood(3), headers=am_headers()).status_code == 202
    body = flood(3)
    body["alerts"][2]["labels"]["instance"] = "other"  # a new alert of the folded group Flood2
    r = client.post(AM, json=body, headers=am_headers())
    assert r.status_code == 202 and r.json()["repeated"] == 2 and r.json()["created"] == 1
    held = next(i for i in incidents_of(db) if i.title.startswith("Alert storm"))
    with db.session() as session:
        on_storm = session.scalars(select(Alert.labels).where(Alert.incident_id == held.id)).all()
    assert sorted(labels["alertname"] for labels in on_storm) == ["Flood1", "Flood2", "Flood2"]
    assert len(incidents_of(db)) == 2


def test_threshold_zero_turns_the_guard_off(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 0}"))
    assert client.post(AM, json=flood(25), headers=am_headers()).status_code == 202
    assert len(incidents_of(db)) == 25
