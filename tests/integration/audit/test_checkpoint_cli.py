"""`warroom audit checkpoint` and `warroom audit verify --checkpoint`, on the real database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.factories import make_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def test_checkpoint_then_verify_catches_a_cut_tail(
    seeded: Database, clock: FakeClock, cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", seeded.url)
    monkeypatch.setenv("WARROOM_SECRET_KEY", "cli-secret")
    with seeded.session() as session:
        incident = make_incident(session, clock)
        incidents.add_note(session, clock, incident, text="found it", actor="a")
    nowhere = cli("audit", "checkpoint")
    assert nowhere.exit_code == 1 and "no checkpoint sink is set" in nowhere.output
    target = tmp_path / "checkpoints.jsonl"
    written = cli("audit", "checkpoint", "--out", str(target))
    assert written.exit_code == 0 and f"written to {target}" in written.output
    clean = cli("audit", "verify", "--checkpoint", str(target))
    assert clean.exit_code == 0 and "against 1 checkpoint file(s)" in clean.output
    with seeded.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM timeline_events WHERE seq = 2 AND chain = :c"), {"c": incident.id}
        )
        conn.execute(
            text(
                "UPDATE timeline_chain_heads SET last_seq = 1, last_hash = "
                "(SELECT hash FROM timeline_events WHERE chain = :c AND seq = 1) WHERE chain = :c"
            ),
            {"c": incident.id},
        )
    assert cli("audit", "verify").exit_code == 0  # the database alone agrees with itself
    cut = cli("audit", "verify", "--checkpoint", str(target), "--json")
    assert cut.exit_code == 1
    assert "INC-1: the checkpoint of" in cut.output and "(its tail was deleted)" in cut.output
    report = json.loads(cut.stdout)
    assert report["ok"] is False and report["problems"][0]["problem"] == "deleted"


def test_unreadable_checkpoint_file_is_named(
    seeded: Database, cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", seeded.url)
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": "world"}')
    result = cli("audit", "verify", "--checkpoint", str(bogus))
    assert result.exit_code == 1 and "no warroom audit checkpoint in it" in result.output
