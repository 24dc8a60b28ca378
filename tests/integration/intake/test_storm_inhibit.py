"""A storm incident severe enough to inhibit its own service's alerts: the groups it takes
are folds (counted, keeping the storm alive), not inhibitions the storm does not see."""

from __future__ import annotations

from datetime import timedelta

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
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake import storm


def _inhibiting_storm_config() -> str:
    text = storm_config(", storm: {threshold: 2, quiet: 10m, severity: SEV1}")
    # The route's alerts are held by any open incident of their service at SEV1.
    return text.replace("    service: api\n", "    service: api\n    inhibit: {severity: SEV1}\n")


def test_groups_an_inhibiting_storm_takes_are_folds_and_keep_it_alive(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, _inhibiting_storm_config())
    assert client.post(AM, json=flood(4, "A"), headers=am_headers()).status_code == 202
    (held,) = [i for i in incidents_of(db) if i.title.startswith("Alert storm")]
    assert held.severity == "SEV1"
    clock.advance(timedelta(minutes=6))
    r = client.post(AM, json=flood(1, "B"), headers=am_headers())
    assert r.status_code == 202 and r.json()["incidents"] == [held.number], r.text
    # A2 started the storm; A3 and B are folds it counts, not inhibitions it cannot see.
    assert kinds_on(db, held.id).count(storm.FOLDED) == 3
    with db.session() as session:
        grouped = ["intake:alert:grouped"]
        events = timeline.events_since(session, incident_id=held.id, kinds=grouped)
        assert events == []
    with db.session() as session:
        holding = storm.holding(session, "prom")
        assert holding is not None and holding["folded_groups"] == 3
    clock.advance(timedelta(minutes=5))  # 11m after the start, 5m after the last fold
    pages_sent(db, clock)  # runs the engine
    assert kinds_on(db, held.id).count(storm.ENDED) == 0
    clock.advance(timedelta(minutes=5))  # 10m after the last fold: quiet
    pages_sent(db, clock)
    assert kinds_on(db, held.id).count(storm.ENDED) == 1
