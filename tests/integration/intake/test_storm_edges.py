"""Storm guard edges: the threshold itself, a storm resolved by people, two integrations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import am_headers, apply_config
from tests.integration.intake.test_storm import (
    AM,
    flood,
    incidents_of,
    kinds_on,
    pages_sent,
    storm_config,
)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake import storm

OTHER_SECRET = "prom2-secret-0123456789"


def _config(settings: str) -> str:
    text = storm_config(settings)
    second = f'  - {{key: prom2, type: alertmanager, secret: "{OTHER_SECRET}"{settings}}}\n'
    return text.replace("routes:\n", second + "routes:\n")


def _storms(db: Database) -> list[Any]:
    return [i for i in incidents_of(db) if i.title.startswith("Alert storm")]


def test_exactly_threshold_opens_no_storm_and_one_more_does(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 3}"))
    assert client.post(AM, json=flood(3, "A"), headers=am_headers()).status_code == 202
    assert len(incidents_of(db)) == 3 and _storms(db) == []
    r = client.post(AM, json=flood(1, "B"), headers=am_headers())
    (held,) = _storms(db)
    assert r.json()["incidents"] == [held.number]
    assert "more than 3 new incidents" in held.title


def test_a_storm_resolved_by_people_ends_and_the_next_group_opens_its_own(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 2}"))
    assert client.post(AM, json=flood(4, "A"), headers=am_headers()).status_code == 202
    (held,) = _storms(db)
    r = client.post(
        f"/api/v1/incidents/{held.number}/resolve", json={"note": "noise"}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    clock.advance(timedelta(seconds=61))  # nothing arrived for a window: the flood is over
    r = client.post(AM, json=flood(1, "C"), headers=am_headers())
    (number,) = r.json()["incidents"]
    assert number != held.number
    assert kinds_on(db, held.id).count(storm.ENDED) == 1
    with db.session() as session:
        assert storm.holding(session, "prom") is None


def test_a_storm_of_one_integration_does_not_fold_another(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, _config(", storm: {threshold: 2}"))
    assert client.post(AM, json=flood(4, "A"), headers=am_headers()).status_code == 202
    (held,) = _storms(db)
    other = {"Authorization": f"Bearer {OTHER_SECRET}"}
    r = client.post(AM, json=flood(1, "Z"), headers=other)
    (number,) = r.json()["incidents"]
    assert number != held.number
    assert len(_storms(db)) == 1


def test_a_storm_resolved_by_hand_while_the_flood_goes_on_pages_once_more_not_threshold_times(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 3}"))
    assert client.post(AM, json=flood(10, "A"), headers=am_headers()).status_code == 202
    (held,) = _storms(db)
    assert pages_sent(db, clock) == 4  # three incidents and the storm
    r = client.post(
        f"/api/v1/incidents/{held.number}/resolve", json={"note": "noise"}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    clock.advance(timedelta(seconds=5))
    r = client.post(AM, json=flood(10, "B"), headers=am_headers())
    assert r.status_code == 202, r.text
    # Ten would-be incidents folded within the last minute: the flood goes on, so the next
    # groups start a new storm at once (one page) instead of opening three more incidents.
    storms = _storms(db)
    assert len(storms) == 2 and len(incidents_of(db)) == 5
    assert r.json()["incidents"] == [storms[1].number]
    assert kinds_on(db, held.id).count(storm.ENDED) == 1
    assert kinds_on(db, storms[1].id).count(storm.FOLDED) == 10
    assert pages_sent(db, clock) == 5


def test_a_more_severe_group_folded_into_a_storm_raises_it(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    """A critical alert arriving during a storm of minor ones is not buried at SEV3."""
    apply_config(db, clock, storm_config(", storm: {threshold: 2}"))
    assert client.post(AM, json=flood(4, "Minor"), headers=am_headers()).status_code == 202
    (held,) = _storms(db)
    assert held.severity == "SEV3"
    body = flood(1, "Critical")
    body["alerts"][0]["labels"]["severity"] = "critical"
    r = client.post(AM, json=body, headers=am_headers())
    assert r.status_code == 202 and r.json()["incidents"] == [held.number], r.text
    (held,) = _storms(db)
    assert held.severity == "SEV1"


def test_a_storm_ends_when_its_quiet_period_is_over_though_nothing_arrives(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    """The engine records the end at the end of the quiet period, not whenever the next new
    alert group happens to arrive (days later, or never)."""
    apply_config(db, clock, storm_config(", storm: {threshold: 2, quiet: 10m}"))
    assert client.post(AM, json=flood(4, "A"), headers=am_headers()).status_code == 202
    (held,) = _storms(db)
    clock.advance(timedelta(minutes=6))
    assert client.post(AM, json=flood(1, "B"), headers=am_headers()).status_code == 202
    clock.advance(timedelta(minutes=5))  # 11m after the start, 5m after the last fold
    pages_sent(db, clock)  # runs the engine
    assert kinds_on(db, held.id).count(storm.ENDED) == 0
    clock.advance(timedelta(minutes=5))  # 10m after the last fold
    pages_sent(db, clock)
    assert kinds_on(db, held.id).count(storm.ENDED) == 1
    with db.session() as session:
        assert storm.holding(session, "prom") is None
    clock.advance(timedelta(days=2))
    pages_sent(db, clock)
    assert client.post(AM, json=flood(1, "C"), headers=am_headers()).status_code == 202
    assert kinds_on(db, held.id).count(storm.ENDED) == 1
    assert len(_storms(db)) == 1
