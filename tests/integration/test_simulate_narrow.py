"""`warroom simulate` stays readable at 80 columns: each page's why on its own line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.integration.paging.world import ORG
from warroom.cli.main import app

ARGS = ["--severity", "P0", "--service", "api", "--start", "2026-01-01T12:00+00:00"]


def _simulate(folder: Path, columns: int) -> str:
    (folder / "org.yaml").write_text(ORG)
    out = CliRunner().invoke(app, ["simulate", str(folder), *ARGS], env={"COLUMNS": str(columns)})
    assert out.exit_code == 0, out.output
    return str(out.stdout)


def test_at_80_columns_each_why_is_whole_under_its_page(tmp_path: Path) -> None:
    text = _simulate(tmp_path, 80)
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines), text
    at = next(n for n, line in enumerate(lines) if line.startswith(" +2m "))
    assert "oncall1@atlas.test" in lines[at] and "mail (webhook)" in lines[at]
    assert lines[at + 1].strip() == "why: schedule:atlas-primary, rule 2 at +2m"
    cto = next(n for n, line in enumerate(lines) if "cto@atlas.test" in line)
    assert "unresolved 1h" in lines[cto] and lines[cto + 1].strip() == "why: user:cto@atlas.test"


def test_a_wide_terminal_keeps_the_why_column(tmp_path: Path) -> None:
    text = _simulate(tmp_path, 160)
    header = next(line for line in text.splitlines() if "+min" in line)
    assert header.split() == ["+min", "time", "who", "contact", "step", "why"]
    assert "why: " not in text


def test_compare_with_a_config_that_refuses_the_scenario_names_it(tmp_path: Path) -> None:
    """--compare-with a config whose severities are named otherwise: the one-line error says
    the compared config refused it, not the one given first (where P0 is known)."""
    first, other = tmp_path / "first", tmp_path / "other"
    for directory, text in ((first, ORG), (other, ORG.replace("P0", "SEV0"))):
        directory.mkdir()
        (directory / "org.yaml").write_text(text)
    args = ["simulate", str(first), "--severity", "P0", "--service", "api"]
    out = CliRunner().invoke(app, [*args, "--compare-with", str(other)])
    assert out.exit_code == 1
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("error: --severity: unknown severity 'P0'"), line
    assert f"(in the --compare-with config {other})" in line
