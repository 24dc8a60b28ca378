"""`warroom audit verify --incident N` (and ?incident=N) for an incident deleted whole in SQL
said only 'no incident INC-N', exit 1, as for a number never used: the person checking that
very incident was not told that the full verify names a wiped incident (by its chain, the
number being gone with it). The refusal now says so; the full verify names it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.audit.test_wipes import _report, _setup, _wipe
from warroom.clock import FakeClock
from warroom.db import Database


def test_verifying_a_wiped_incident_by_number_points_at_the_full_verify(
    db: Database,
    clock: FakeClock,
    cli: Any,
    client: TestClient,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    made = _setup(db, clock)
    _wipe(db, made["second"])
    got = cli("audit", "verify", "--incident", "2")
    assert got.exit_code == 1
    assert "no incident INC-2" in got.output
    assert "warroom audit verify' without --incident names a wiped incident" in got.output
    answer = client.get("/api/v1/audit/verify?incident=2", headers=admin_headers)
    assert answer.status_code == 404
    assert "without --incident names a wiped incident" in answer.json()["error"]["message"]
    assert any(p["problem"] == "wiped" for p in _report(db)["problems"])
