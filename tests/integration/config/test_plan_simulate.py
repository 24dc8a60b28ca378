"""`config plan NEW --simulate SEV --before OLD`: the plan, then one incident played through the
old and the new config side by side, so a changed ladder is reviewed by what it does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app as cli_app
from warroom.db import Database

PACK = Path(__file__).resolve().parents[3] / "examples" / "atlas"


@pytest.fixture
def run(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WARROOM_DATABASE_URL", sqlite_db.url)
    monkeypatch.delenv("WARROOM_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-warroom-test")
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, list(args), catch_exceptions=False)


def _packs(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(PACK, old)
    shutil.copytree(PACK, new)
    ladder = (new / "severities.yaml").read_text()
    assert "- after: 30m\n        notify: [user:tech-lead@atlas.example]" in ladder
    (new / "severities.yaml").write_text(
        ladder.replace(
            "- after: 30m\n        notify: [user:tech-lead@atlas.example]",
            "- after: 10m\n        notify: [user:tech-lead@atlas.example]",
            1,
        )
    )
    return old, new


def test_plan_shows_the_changed_ladder_played_before_and_after(run: Any, tmp_path: Path) -> None:
    old, new = _packs(tmp_path)
    assert run("config", "apply", str(old)).exit_code == 0
    shown = run("config", "plan", str(new), "--simulate", "P0", "--before", str(old), "--json")
    assert shown.exit_code == 0, shown.output
    plan_json, _, runs_json = shown.output.partition("\n}\n")
    plan = json.loads(plan_json + "\n}")
    [change] = plan["plan"]
    assert change["identity"] == "P0"
    assert change["changes"]["escalate_while_unresolved[0].after"] == {"old": "30m", "new": "10m"}
    runs = json.loads(runs_json)
    lead = "tech-lead@atlas.example"

    def lead_minutes(run_: dict[str, Any]) -> list[float]:
        return [p["minute"] for p in run_["rows"] if p["who"] == lead and p["kind"] == "page"]

    assert lead_minutes(runs["before"])[0] == 30
    assert lead_minutes(runs["after"])[0] == 10


def test_simulate_needs_the_directory_as_it_is_today(run: Any, tmp_path: Path) -> None:
    _, new = _packs(tmp_path)
    shown = run("config", "plan", str(new), "--simulate", "P0")
    assert shown.exit_code == 1
    assert "--simulate needs --before DIR" in shown.output
