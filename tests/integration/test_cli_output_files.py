"""Commands that write a file (--out/--output): a path that cannot be written is one line and
exit 1, not a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.review.postmortems.test_cli import resolved
from warroom.clock import FakeClock
from warroom.db import Database


@pytest.fixture
def blocked(tmp_path: Path) -> Path:
    """A path whose parent is a regular file: nothing can be written under it."""
    parent = tmp_path / "a-file"
    parent.write_text("not a directory")
    return parent / "out"


def _fails_cleanly(result: Any, path: Path) -> None:
    assert result.exit_code == 1, result.output
    assert f"error: cannot write {path}" in result.output


def test_evidence_get_and_export(
    db: Database, clock: FakeClock, cli: Callable[..., Any], blocked: Path
) -> None:
    number = str(resolved(db, clock))
    added = cli("evidence", "add", number, "--text", "df -h says 100%", "--json")
    assert added.exit_code == 0, added.output
    item = str(json.loads(added.output)["id"])
    _fails_cleanly(cli("evidence", "get", number, item, "--out", str(blocked)), blocked)
    _fails_cleanly(cli("evidence", "export", number, "--out", str(blocked)), blocked)


def test_postmortem_export(
    db: Database, clock: FakeClock, cli: Callable[..., Any], blocked: Path
) -> None:
    number = resolved(db, clock)
    result = cli("postmortem", "export", str(number), "--output", str(blocked))
    _fails_cleanly(result, blocked)


def test_runbook_import(cli: Callable[..., Any], blocked: Path, tmp_path: Path) -> None:
    source = tmp_path / "db.md"
    source.write_text("# Database failover\n\n1. Check replication lag\n")
    _fails_cleanly(cli("runbook", "import", str(source), "--out", str(blocked)), blocked)


def test_exports_keep_an_existing_file_unless_forced(
    db: Database, clock: FakeClock, cli: Callable[..., Any], tmp_path: Path
) -> None:
    """As `evidence get/export` do: an earlier export may be the copy someone reviewed or
    handed on; `postmortem export -o` and `report --html` wrote over it without a word."""
    number = str(resolved(db, clock))
    for option, command in (
        ("--output", ["postmortem", "export", number, "--format", "html"]),
        ("--html", ["report", "--since", "30d"]),
    ):
        target = tmp_path / f"{command[0]}.html"
        target.write_text("the reviewed copy")
        kept = cli(*command, option, str(target))
        assert kept.exit_code == 1, kept.output
        assert f"{target} already exists: nothing written" in kept.output, kept.output
        assert f"choose another {option}, or --force to overwrite it" in kept.output
        assert target.read_text() == "the reviewed copy"
        forced = cli(*command, option, str(target), "--force")
        assert forced.exit_code == 0, forced.output
        assert "<html" in target.read_text().lower()
