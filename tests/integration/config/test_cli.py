"""`warroom config check|apply|show` and `warroom classify`, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.config.helpers import write
from warroom.db import Database

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
Cli = Callable[..., Any]


@pytest.fixture
def local_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """`config apply` works on the database directly, named by WARROOM_DATABASE_URL."""
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    return db


def test_config_apply_dry_run_apply_and_again(cli: Cli, local_db: Database) -> None:
    atlas = str(EXAMPLES / "atlas")
    dry = cli("config", "apply", atlas, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+ create service proof-validation" in dry.output
    assert "nothing was written" in dry.output
    applied = cli("config", "apply", atlas)
    assert applied.exit_code == 0
    assert "applied revision 1:" in applied.output
    again = cli("config", "apply", atlas, "--json")
    assert json.loads(again.output) == {
        "dry_run": False,
        "revision_id": None,
        "digest": json.loads(again.output)["digest"],
        "plan": [],
        "warnings": [],
    }
    shown = cli("config", "show")
    assert "revision 1 applied" in shown.output and "severities: 4 item(s)" in shown.output


def test_config_check_and_apply_refuse_a_bad_directory(
    cli: Cli, local_db: Database, tmp_path: Path
) -> None:
    bad = write(
        tmp_path / "bad",
        {"org.yaml": "users:\n  - email: a@example.com\n    name: A\n    role: chief\n"},
    )
    checked = cli("config", "check", str(bad))
    assert checked.exit_code == 1
    expected = f"{bad}/org.yaml:4: users[a@example.com].role: Input should be 'viewer', 'responder'"
    assert checked.output.startswith(expected)
    applied = cli("config", "apply", str(bad))
    assert applied.exit_code == 1 and "nothing was applied" in applied.output
    assert "no config has been applied yet" in cli("config", "show").output


def test_classify_with_flags_prompts_and_json(cli: Cli, local_db: Database) -> None:
    assert cli("config", "apply", str(EXAMPLES / "atlas")).exit_code == 0
    flags = cli(
        "classify", "-a", "impact=total_outage", "-a", "user_facing=yes", "-a", "data_loss_risk=no",
        "-a", "functionality_lost=yes",
    )  # fmt: skip
    assert flags.exit_code == 0, flags.output
    assert flags.output.splitlines()[0] == "P0  (rule 2: Total outage, user-facing)"
    asked = cli("classify", input="partial_outage\nyes\nunsure\nyes\n")
    assert asked.exit_code == 0, asked.output
    assert "P0  (rule 3: Partial outage, user-facing, data loss risk)" in asked.output
    assert "data_loss_risk = unsure (assumed yes)" in asked.output
    assert "considered P0, P1; took the most severe" in asked.output
    as_json = cli(
        "classify",
        "--json",
        "-a",
        "impact=internal_only",
        "-a",
        "user_facing=no",
        "-a",
        "data_loss_risk=no",
    )
    assert json.loads(as_json.output)["severity"] == "P2"
    wrong = cli("classify", "--no-prompt", "-a", "impact=meteor")
    assert wrong.exit_code == 1 and "'meteor' is not an answer" in wrong.output


def test_classify_offline_with_a_config_directory(cli: Cli) -> None:
    result = cli(
        "classify", "--config", str(EXAMPLES / "atlas"), "--no-prompt",
        "-a", "impact=performance_degraded", "-a", "user_facing=yes", "-a", "data_loss_risk=no",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "P2  (rule 6: Performance degraded, user-facing)"
    missing = cli("classify", "--config", str(EXAMPLES / "exchange"), "--no-prompt")
    assert missing.exit_code == 1 and "has no severity_matrix section" in missing.output
