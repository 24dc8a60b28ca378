"""The CLI shows an incident's own checklist: the version its run keeps, states, who, notes.

`warroom runbook show KEY` shows the runbook as configured now; once it is re-imported with a
step added, its numbers are no longer the running checklist's, so a responder reading it ticked
another step than the one they meant, and the CLI's answer ("step 2: done") did not say which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.runbooks.conftest import apply_dir, write_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

EDITED = """# Database failover

## Triage
- Confirm the page reached the DBA

## Symptoms
- Connections *refused*

## Mitigation
1. Promote the replica
   ```bash
   pg_ctl promote
   ```
2. Point the app at it ([guide](https://wiki.example.com/switch))
"""


def test_step_list_shows_the_runs_own_steps_after_the_runbook_changed(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    cli: Any,
    client: TestClient,
    responder_headers: dict[str, str],
) -> None:
    r = client.post(
        "/api/v1/incidents",
        json={"title": "Orders DB down", "severity": "SEV1", "services": ["orders-db"]},
        headers=responder_headers,
    )
    assert r.status_code in (200, 201), r.text
    number = int(r.json()["number"])
    Worker(db, clock, settings, "test").run_once()
    apply_dir(db, clock, write_config(configured, **{"db-failover": EDITED}))
    # The runbook as configured now numbers "Promote the replica" 3; the run, 2.
    assert "  3. Promote the replica" in cli("runbook", "show", "db-failover").output

    result = cli("step", "done", str(number), "2")
    assert result.exit_code == 0, result.output
    assert "step 2 (Promote the replica): done" in result.output
    result = cli("step", "skip", str(number), "1", "--reason", "no connections refused")
    assert "step 1 (Connections *refused*): skipped" in result.output
    result = cli("step", "note", str(number), "3", "replica lag 4s")
    assert "step 3 ($ pg_ctl promote): noted" in result.output

    result = cli("step", "list", str(number))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "db-failover: Database failover (version " in out and "1/4 done (1 skipped)" in out
    assert "Confirm the page" not in out  # the edit is not this run's
    lines = [line.strip() for line in out.splitlines()]
    assert "1. [skipped] Connections *refused*" in lines
    assert "2. [done] Promote the replica" in lines
    assert "3. [todo] $ pg_ctl promote" in lines
    assert "4. [todo] Point the app at it ([guide](https://wiki.example.com/switch))" in lines
    skipped = [line for line in lines if line.startswith("skipped by ")]
    assert len(skipped) == 1 and skipped[0].endswith(": no connections refused")
    assert any(line.startswith("done by ") for line in lines)
    assert any(line.startswith("note by ") and line.endswith("replica lag 4s") for line in lines)
    assert out.index("Symptoms") < out.index("1. [skipped]") < out.index("Mitigation")

    as_json = cli("step", "list", str(number), "--json")
    assert as_json.exit_code == 0 and '"runbook": "db-failover"' in as_json.output


def test_step_list_names_one_runbook_of_several_and_refuses_an_unknown_one(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    cli: Any,
    client: TestClient,
    responder_headers: dict[str, str],
) -> None:
    r = client.post(
        "/api/v1/incidents",
        json={"title": "Checkout", "severity": "SEV2", "services": ["checkout"]},
        headers=responder_headers,
    )
    number = int(r.json()["number"])
    assert cli("step", "list", str(number)).output.strip() == (
        f"INC-{number} has no runbook attached: `warroom runbook attach INC-{number} KEY`"
    )
    assert cli("runbook", "attach", str(number), "checkout-errors").exit_code == 0
    assert cli("runbook", "attach", str(number), "unused").exit_code == 0
    out = cli("step", "list", str(number), "unused").output
    assert "unused: Unused" in out and "Check the error rate" not in out
    both = cli("step", "list", str(number)).output
    assert "Check the error rate" in both and "never attaches by itself" in both
    result = cli("step", "list", str(number), "nope")
    assert result.exit_code == 1
    assert "no runbook 'nope' on INC-" in result.output
    assert "(attached: checkout-errors, unused)" in result.output
