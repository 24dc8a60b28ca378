"""The storm guard counts opens in a sliding window: more than `threshold` incidents opened in
ANY window-long span fold into a storm, wherever a fixed window would have started."""

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
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake import storm


def _storms(db: Database) -> list[str]:
    return [i.title for i in incidents_of(db) if i.title.startswith("Alert storm")]


def test_a_flood_across_a_fixed_window_boundary_folds(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 20, window: 1m}"))
    assert client.post(AM, json=flood(1, "Early"), headers=am_headers()).status_code == 202
    clock.advance(timedelta(seconds=57))  # the last seconds of the first minute
    assert client.post(AM, json=flood(19, "Late"), headers=am_headers()).status_code == 202
    assert len(incidents_of(db)) == 20 and _storms(db) == []
    clock.advance(timedelta(seconds=4))  # the first seconds of the next minute
    r = client.post(AM, json=flood(20, "Next"), headers=am_headers())
    assert r.status_code == 202, r.text
    # Within the last minute 19 opened (the first one is older than a minute): one more
    # opens, the 21st would-be incident starts the storm and the rest fold into it.
    found = incidents_of(db)
    assert len(_storms(db)) == 1, [i.title for i in found]
    assert len(found) == 22
    held = next(i for i in found if i.title.startswith("Alert storm"))
    assert kinds_on(db, held.id).count(storm.FOLDED) == 19
    assert pages_sent(db, clock) == 22  # 21 ordinary incidents, one storm


def test_opens_just_over_a_window_apart_never_fold(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock, storm_config(", storm: {threshold: 2, window: 1m}"))
    for wave in "ABCD":
        assert client.post(AM, json=flood(1, wave), headers=am_headers()).status_code == 202
        clock.advance(timedelta(seconds=31))
    # Opens at 0s, 31s, 62s, 93s: no minute-long span holds more than two.
    assert len(incidents_of(db)) == 4 and _storms(db) == []
    assert client.post(AM, json=flood(1, "E"), headers=am_headers()).status_code == 202
    # At 124s: 93s and 124s... plus 62s is 62s ago, outside: two in the span, E is the second.
    assert _storms(db) == []
    assert client.post(AM, json=flood(1, "F"), headers=am_headers()).status_code == 202
    assert len(_storms(db)) == 1  # 93s, 124s, 124s: the third within a minute folds
