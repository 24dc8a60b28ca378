"""The incident CLI against the in-process app, on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import MakeToken
from warroom.clock import FakeClock
from warroom.db import Database

Cli = Callable[..., Any]


def _ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_quick_start_open_prints_number(seeded: Database, cli: Cli) -> None:
    out = _ok(cli("incident", "open", "--title", "Test incident", "--severity", "SEV3"))
    assert "INC-1" in out
    out = _ok(
        cli(
            "incident",
            "open",
            "--title",
            "DB",
            "--severity",
            "SEV1",
            "--service",
            "database",
            "--data-loss",
            "no",
            "--scope",
            "EU markets",
            "--affected",
            "m1",
            "--customer-facing",
            "--tag",
            "db",
            "--json",
        )
    )
    created = json.loads(out)
    assert created["number"] == 2 and created["tags"] == ["db"]
    assert created["impact"] == {
        "customer_facing": True,
        "data_loss": "no",
        "scope": "EU markets",
        "affected": ["m1"],
    }
    screen = _ok(cli("incident", "show", "2"))
    assert "customer-facing, data loss no; EU markets; affected: m1" in screen
    assert "tags: db" in screen


def test_open_with_unknown_severity_names_the_field(seeded: Database, cli: Cli) -> None:
    result = cli("incident", "open", "--title", "x", "--severity", "SEV9")
    assert result.exit_code == 1
    assert "unknown severity 'SEV9'" in result.output and "field: severity" in result.output


def test_lifecycle_and_listing(seeded: Database, cli: Cli) -> None:
    _ok(cli("incident", "open", "--title", "Publishing halted", "--severity", "SEV1"))
    _ok(cli("incident", "open", "--title", "Other", "--severity", "SEV2"))
    assert "now acknowledged" in _ok(cli("incident", "ack", "1", "--note", "mine"))
    refused = cli("incident", "close", "1")
    assert refused.exit_code == 1 and "allowed from acknowledged: mitigate, resolve" in (
        refused.output
    )
    _ok(cli("incident", "mitigate", "1"))
    _ok(cli("incident", "resolve", "1"))
    listed = json.loads(_ok(cli("incident", "list", "--status", "resolved", "--json")))
    assert [i["number"] for i in listed["items"]] == [1]
    table = _ok(cli("incident", "list"))
    assert "INC-1" in table and "INC-2" in table
    page = json.loads(_ok(cli("incident", "list", "--limit", "1", "--json")))
    more = json.loads(
        _ok(cli("incident", "list", "--limit", "1", "--cursor", page["next_cursor"], "--json"))
    )
    assert [i["number"] for i in more["items"]] == [1]


def test_show_screen_has_what_3am_needs(
    seeded: Database,
    cli: Cli,
    clock: FakeClock,
    make_token: MakeToken,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    make_token("responder", email="jane@example.com")
    _ok(cli("incident", "open", "--title", "Merkle failure", "--severity", "SEV0"))
    _ok(cli("incident", "role", "1", "incident_commander", "jane@example.com"))
    _ok(cli("incident", "severity", "1", "SEV1", "--reason", "contained"))
    _ok(cli("incident", "note", "1", "checking the DB"))
    _ok(cli("hypothesis", "add", "1", "Database corruption"))
    _ok(cli("hypothesis", "add", "1", "IPFS snapshot mismatch"))
    _ok(cli("hypothesis", "set", "1", "2", "ruled_out"))
    _ok(cli("task", "add", "1", "Check database integrity", "--assignee", "jane@example.com"))
    _ok(cli("task", "add", "1", "Review deploys"))
    _ok(cli("task", "done", "1", "2"))
    clock.advance(hours=2)
    screen = _ok(cli("incident", "show", "1"))
    for expected in (
        "INC-1",
        "Merkle failure",
        "TRIGGERED",
        "SEV1",
        "OVERDUE",
        "incident_commander",
        "jane@example.com",
        "Database corruption",
        "INVESTIGATING",
        "1 ruled out",
        "Check database integrity",
        "1 open of 2",
        "note: checking the DB",
        "ack, mitigate, resolve",
    ):
        assert expected in screen, expected
    data = json.loads(_ok(cli("incident", "show", "1", "--json")))
    assert data["incident"]["due"]["acknowledge_overdue"] is True
    assert [h["status"] for h in json.loads(_ok(cli("hypothesis", "list", "1", "--json")))] == [
        "investigating",
        "ruled_out",
    ]
    assert len(json.loads(_ok(cli("task", "list", "1", "--json")))) == 2


def test_timeline_and_star(seeded: Database, cli: Cli) -> None:
    _ok(cli("incident", "open", "--title", "T", "--severity", "SEV2"))
    note = json.loads(_ok(cli("incident", "note", "1", "first finding", "--json")))
    _ok(cli("incident", "star", "1", str(note["seq"])))
    events = json.loads(_ok(cli("timeline", "1", "--kind", "incident:", "--json")))
    assert [e["kind"] for e in events] == [
        "incident:incident:opened",
        "incident:note:added",
        "incident:event:starred",
    ]
    starred = json.loads(_ok(cli("timeline", "1", "--star", "--json")))
    assert [e["seq"] for e in starred] == [note["seq"]]
    assert "first finding" in _ok(cli("timeline", "1", "--all"))


def test_evidence_round_trip(seeded: Database, cli: Cli, tmp_path: Path) -> None:
    _ok(cli("incident", "open", "--title", "T", "--severity", "SEV2"))
    log = tmp_path / "trace.log"
    log.write_bytes(b"trace id 42\n")
    _ok(cli("evidence", "add", "1", "--text", "last good bundle 0xabc", "--name", "bundle"))
    _ok(cli("evidence", "add", "1", "--file", str(log)))
    _ok(cli("evidence", "add", "1", "--link", "https://grafana.local/d/1"))
    _ok(cli("evidence", "add", "1", "--command", "kubectl get pods", input="pod-a Running\n"))
    items = json.loads(_ok(cli("evidence", "list", "1", "--json")))
    assert [i["kind"] for i in items] == ["text", "file", "link", "command"]
    assert "trace.log" in _ok(cli("evidence", "list", "1"))
    out = tmp_path / "got.log"
    _ok(cli("evidence", "get", "1", "2", "--out", str(out)))
    assert out.read_bytes() == b"trace id 42\n"
    doc = tmp_path / "config.json"
    doc.write_bytes(b'{"M0_PUBLISH_ENABLED": "false"}')
    added = json.loads(_ok(cli("evidence", "add", "1", "--file", str(doc), "--json")))
    copy = tmp_path / "copy.json"
    _ok(cli("evidence", "get", "1", str(added["id"]), "--out", str(copy)))
    assert copy.read_bytes() == doc.read_bytes()
    _ok(cli("evidence", "remove", "1", "3", "--reason", "wrong link"))
    archive = tmp_path / "e.zip"
    _ok(cli("evidence", "export", "1", "--out", str(archive)))
    assert "OK: 4 item(s)" in _ok(cli("evidence", "verify", str(archive)))
    bad = tmp_path / "bad.zip"
    import zipfile

    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info.filename, b"tampered" if "trace" in info.filename else data)
    result = cli("evidence", "verify", str(bad))
    assert result.exit_code == 1 and "item 2 (trace.log)" in result.output
    kinds = [e["kind"] for e in json.loads(_ok(cli("timeline", "1", "--json")))]
    assert "evidence:item:downloaded" in kinds and "evidence:export:downloaded" in kinds


def test_audit_verify_command(seeded: Database, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", seeded.url)
    _ok(cli("incident", "open", "--title", "T", "--severity", "SEV2"))
    note = json.loads(_ok(cli("incident", "note", "1", "a", "--json")))
    _ok(cli("incident", "note", "1", "b"))
    assert "OK: " in _ok(cli("audit", "verify"))
    assert json.loads(_ok(cli("audit", "verify", "--incident", "1", "--json")))["ok"] is True
    with seeded.engine.begin() as conn:
        conn.execute(text("DELETE FROM timeline_events WHERE id = :id"), {"id": note["id"]})
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"TAMPERED: INC-1: event #{note['seq']} is missing" in result.output
