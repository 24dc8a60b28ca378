"""`config plan` tells which open incidents run a copy of a runbook it changes or removes.

An open incident's checklist keeps the version it started with (so its step numbers hold), as
its escalation keeps its copy of the policy; the plan said so for the policy ("INC-3 escalates
on its copy of this policy ...") but a runbook's new version showed as a bare version change,
read as "the incident's checklist gets the new steps".
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.integration.runbooks.conftest import write_config
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

EDITED = "# Database failover\n\n- Call the DBA\n- Promote the replica\n"


def _open(client: TestClient, headers: dict[str, str], services: list[str]) -> int:
    r = client.post(
        "/api/v1/incidents",
        json={"title": "DB down", "severity": "SEV1", "services": services},
        headers=headers,
    )
    assert r.status_code in (200, 201), r.text
    return int(r.json()["number"])


def _warnings(db: Database, clock: FakeClock, folder: Path) -> dict[str, list[str]]:
    doc, problems = config_service.load_directory(folder)
    assert not problems, problems.lines()
    with db.session() as session:
        result = config_service.apply_document(session, clock, doc, actor="test", dry_run=True)
        session.rollback()
    return {e.identity: e.warnings for e in result.plan if e.kind == "runbook"}


def test_plan_names_the_open_incidents_running_a_changed_or_removed_runbook(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    client: TestClient,
    responder_headers: dict[str, str],
) -> None:
    first = _open(client, responder_headers, ["orders-db"])
    resolved = _open(client, responder_headers, ["orders-db"])
    Worker(db, clock, settings, "test").run_once()
    r = client.put(
        f"/api/v1/incidents/{first}/runbooks/db-failover/steps/1",
        json={"state": "done"},
        headers=responder_headers,
    )
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    r = client.post(f"/api/v1/incidents/{resolved}/resolve", json={}, headers=responder_headers)
    assert r.status_code == 200, r.text

    warnings = _warnings(db, clock, write_config(configured, **{"db-failover": EDITED}))
    assert warnings["db-failover"] == [
        f"INC-{first} runs its copy of this runbook (version {version}, 1/4 done): this change "
        f"does not reach it; its steps and their numbers stay (`warroom step list INC-{first}`)"
    ]

    text = (configured / "config.yaml").read_text()
    text = text.replace("runbooks: [db-failover]", "runbooks: []")
    text = text.replace("  - key: db-failover\n    markdown_file: runbooks/db-failover.md\n", "")
    (configured / "config.yaml").write_text(text)
    warnings = _warnings(db, clock, configured)
    assert warnings["db-failover"] == [
        f"INC-{first} runs its copy of this runbook (version {version}, 1/4 done): it stays "
        f"attached as it is (`warroom step list INC-{first}`)"
    ]


def test_plan_shows_how_many_steps_a_changed_runbook_has(
    db: Database, clock: FakeClock, configured: Path
) -> None:
    # Before, a changed runbook read only `version: "4b98…" → "9c1d…"`: nothing to review by.
    doc, _ = config_service.load_directory(write_config(configured, **{"db-failover": EDITED}))
    with db.session() as session:
        result = config_service.apply_document(session, clock, doc, actor="test", dry_run=True)
        session.rollback()
    [entry] = [e for e in result.plan if e.kind == "runbook"]
    assert entry.identity == "db-failover" and entry.changes["steps"] == (4, 2)
    assert "    steps: 4 → 2" in entry.detail()
