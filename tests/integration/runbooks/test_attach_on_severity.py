"""A severity change attaches the runbooks the new severity calls for (front matter
`severities`), as opening at that severity would; a resolved incident gets none (both
databases, the real engine worker)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.integration.runbooks.conftest import apply_dir, write_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

H = dict[str, str]
CRITICAL = """---
severities: [SEV1]
---
# Critical incident checklist

- Name an incident commander
- Post the first status update
"""


def _setup(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    apply_dir(db, clock, write_config(tmp_path / "config", **{"slow-api": CRITICAL}))


def _raise(client: TestClient, headers: H, number: int) -> None:
    body = {"severity": "SEV1", "reason": "customers affected"}
    answer = client.post(f"/api/v1/incidents/{number}/severity", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def _runs(client: TestClient, headers: H, number: int) -> list[tuple[str, str]]:
    got = client.get(f"/api/v1/incidents/{number}/runbooks", headers=headers).json()
    return [(r["runbook"], r["reason"]) for r in got["runs"]]


def _open(client: TestClient, headers: H) -> int:
    body = {"title": "Checkout slow", "severity": "SEV2", "services": ["checkout"]}
    answer = client.post("/api/v1/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["number"])


def test_raising_the_severity_attaches_what_the_new_one_calls_for(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
    client: TestClient,
    responder_headers: H,
) -> None:
    _setup(db, clock, tmp_path)
    worker = Worker(db, clock, settings, "test")
    number = _open(client, responder_headers)
    while worker.run_once():
        pass
    assert _runs(client, responder_headers, number) == []
    _raise(client, responder_headers, number)
    while worker.run_once():
        pass
    assert _runs(client, responder_headers, number) == [("slow-api", "match")]
    lowered = {"severity": "SEV2", "reason": "contained"}
    client.post(f"/api/v1/incidents/{number}/severity", json=lowered, headers=responder_headers)
    _raise(client, responder_headers, number)
    while worker.run_once():
        pass
    assert _runs(client, responder_headers, number) == [("slow-api", "match")]  # once


def test_a_resolved_incident_gets_no_checklist_from_a_late_severity_change(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
    client: TestClient,
    responder_headers: H,
) -> None:
    _setup(db, clock, tmp_path)
    worker = Worker(db, clock, settings, "test")
    number = _open(client, responder_headers)
    while worker.run_once():  # the opening's attach job
        pass
    url = f"/api/v1/incidents/{number}/resolve"
    resolved = client.post(url, json={}, headers=responder_headers)
    assert resolved.status_code == 200, resolved.text
    _raise(client, responder_headers, number)  # classified after the fact, for the record
    while worker.run_once():
        pass
    assert _runs(client, responder_headers, number) == []
