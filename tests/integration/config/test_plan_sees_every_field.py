"""A plan names every field of a section that has a table of its own, on both databases.

Sections with an `apply` compare what their table holds; the fields they keep only in the
stored document (an integration's `service`, `storm` and `timestamp_max_age`, a heartbeat's
`alertname`, an escalation policy's `default`, a drill's `scenario`) are read back from it at
runtime, so a change to one of them changes behaviour and must show as an update naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.config.helpers import write
from warroom.cli.main import app as cli_app
from warroom.clock import FakeClock
from warroom.config import service
from warroom.db import Database

SECRET = "integration-secret-aaaaaaaa"
BASE = f"""\
severities:
  - {{key: P0, name: Critical}}
  - {{key: P2, name: Medium}}
users:
  - {{email: a@x.test, name: A, role: admin}}
escalation_policies:
  - key: pa
    levels: [{{notify: ["user:a@x.test"]}}]
  - key: pb
    levels: [{{notify: ["user:a@x.test"]}}]
services:
  - {{key: api, name: API, escalation_policy: pa}}
  - {{key: db, name: DB, escalation_policy: pb}}
integrations:
  - {{key: prom, type: alertmanager, secret: {SECRET}, service: api}}
routes:
  - {{key: default, severity: P2}}
heartbeats:
  - {{name: pipeline, interval: 5m, severity: P0, alertname: Watchdog}}
drills:
  - name: monthly
    severity: P2
    every: monthly
    participants: ["user:a@x.test"]
    scenario: |
      steps:
        - {{at: 0m, fire: latency, labels: {{alertname: Latency}}}}
"""

# (what changes in BASE, the entry the plan must show, its changed field and values)
CHANGES: dict[str, tuple[tuple[str, str], tuple[str, str], dict[str, Any]]] = {
    "integration service": (
        ("service: api}", "service: db}"),
        ("integration", "prom"),
        {"service": {"old": "api", "new": "db"}},
    ),
    "integration storm": (
        ("service: api}", "service: api, storm: {threshold: 0}}"),
        ("integration", "prom"),
        {"storm": {"old": None, "new": {"threshold": 0, "window": "1m", "quiet": "10m"}}},
    ),
    "integration timestamp_max_age": (
        ("service: api}", "service: api, timestamp_max_age: 1m}"),
        ("integration", "prom"),
        {"timestamp_max_age": {"old": "5m", "new": "1m"}},
    ),
    "heartbeat alertname": (
        ("alertname: Watchdog}", "alertname: DeadMansSwitch}"),
        ("heartbeat", "pipeline"),
        {"alertname": {"old": "Watchdog", "new": "DeadMansSwitch"}},
    ),
    "escalation policy default": (
        ("key: pb\n", "key: pb\n    default: true\n"),
        ("escalation_policy", "pb"),
        {"default": {"old": False, "new": True}},
    ),
    "drill scenario": (
        ("fire: latency", "fire: errors"),
        ("drill", "monthly"),
        {
            "scenario": {
                "old": "steps:\n  - {at: 0m, fire: latency, labels: {alertname: Latency}}\n",
                "new": "steps:\n  - {at: 0m, fire: errors, labels: {alertname: Latency}}\n",
            }
        },
    ),
}


def _apply(db: Database, clock: FakeClock, text: str, dry_run: bool = False) -> Any:
    doc, problems = service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        result = service.apply_document(session, clock, doc, actor="test", dry_run=dry_run)
        if dry_run:
            session.rollback()
    return result


def _storm_defaults(changes: dict[str, Any]) -> dict[str, Any]:
    """The storm guard's defaults as StormGuardConfig dumps them (severity None included)."""
    storm = changes.get("storm")
    if storm is not None and storm["new"] is not None:
        storm["new"].setdefault("severity", None)
    return changes


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_change_to_a_document_only_field_is_planned_as_an_update_naming_it(
    db: Database, clock: FakeClock, name: str
) -> None:
    (before, after), (kind, identity), expected = CHANGES[name]
    assert before in BASE
    _apply(db, clock, BASE)
    assert not _apply(db, clock, BASE, dry_run=True).plan  # nothing phantom
    changed = BASE.replace(before, after, 1)
    plan = _apply(db, clock, changed, dry_run=True).plan
    assert plan.summary() == "0 to create, 1 to update, 0 to delete", plan.lines()
    (entry,) = plan.to_json()
    assert (entry["action"], entry["kind"], entry["identity"]) == ("update", kind, identity)
    assert entry["changes"] == _storm_defaults(expected)
    assert SECRET not in json.dumps(plan.to_json()) + "\n".join(plan.detail())
    # Applying it stores a new revision, and after that the same pack plans nothing.
    assert _apply(db, clock, changed).revision_id is not None
    assert not _apply(db, clock, changed, dry_run=True).plan


def test_the_cli_plan_names_the_fields_and_keeps_the_secret_masked(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.delenv("WARROOM_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-warroom-test")
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli_app, list(args), catch_exceptions=False)

    first = write(tmp_path / "first", {"org.yaml": BASE}, base=False)
    assert run("config", "apply", str(first)).exit_code == 0
    text = BASE.replace("service: api}", f"service: db, secret: {SECRET}-new}}")
    text = text.replace(f"secret: {SECRET}, ", "").replace("Watchdog}", "DeadMansSwitch}")
    second = write(tmp_path / "second", {"org.yaml": text}, base=False)
    plan = run("config", "plan", str(second))
    assert plan.exit_code == 0, plan.output
    lines = plan.output.splitlines()
    at = lines.index("~ update integration prom")
    assert lines[at + 1 :][:2] == ['    secret_hash: "***" → "***"', '    service: "api" → "db"']
    at = lines.index("~ update heartbeat pipeline")
    assert lines[at + 1] == '    alertname: "Watchdog" → "DeadMansSwitch"'
    assert lines[-1] == "plan: 0 to create, 2 to update, 0 to delete; nothing was written"
    assert SECRET not in plan.output
