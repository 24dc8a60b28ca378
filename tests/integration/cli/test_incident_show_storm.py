"""`warroom incident show` counts every alert a storm incident holds, not the first page of the
alerts list (the API answers 100 alerts unless asked for more)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import am_headers, apply_config
from tests.integration.intake.test_storm import AM, flood, storm_config
from warroom.clock import FakeClock
from warroom.db import Database


def test_a_storm_of_148_alerts_shows_148_linked(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")
    apply_config(db, clock, storm_config(", storm: {threshold: 2, window: 1m, quiet: 5m}"))
    r = client.post(AM, json=flood(150), headers=am_headers())
    assert r.status_code == 202, r.text
    result = cli("incident", "show", "3")  # two ordinary incidents, then the storm
    assert result.exit_code == 0, result.output
    assert "Alert storm from prom" in result.output, result.output
    assert "Alerts: 148 linked, 148 firing, 0 resolved" in result.output, result.output


def test_more_alerts_than_the_screen_asks_for_are_at_least(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from warroom.cli import incidents

    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(incidents, "ALERTS_SHOWN", 100)  # 148 held, 100 asked for
    apply_config(db, clock, storm_config(", storm: {threshold: 2, window: 1m, quiet: 5m}"))
    assert client.post(AM, json=flood(150), headers=am_headers()).status_code == 202
    result = cli("incident", "show", "3")
    assert result.exit_code == 0, result.output
    assert "Alerts: at least 100 linked (of the newest 100: 100 firing, 0 resolved)" in (
        result.output
    ), result.output
