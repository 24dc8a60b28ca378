"""`warroom runbook import --out DIR` never overwrites a runbook file that differs without
--force (a runbook edited by hand since the last import), and writes nothing then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIRST = "---\nid: db-failover\n---\n# DB failover\n\n1. Check replica lag\n2. Promote it\n"
SECOND = "---\nid: db-failover\n---\n# DB failover\n\n1. Page the DBA\n"


def test_a_file_that_differs_is_kept_unless_forced(cli: Any, tmp_path: Path) -> None:
    source, out = tmp_path / "failover.md", tmp_path / "runbooks"
    source.write_text(FIRST)
    assert cli("runbook", "import", str(source), "--out", str(out)).exit_code == 0
    target = out / "db-failover.md"
    edited = target.read_text() + "3. Tell #incidents (added by hand)\n"
    target.write_text(edited)
    again = cli("runbook", "import", str(source), "--out", str(out))
    assert again.exit_code == 1
    assert f"{target} already exists with other content" in again.output
    assert "--force" in again.output and target.read_text() == edited
    forced = cli("runbook", "import", str(source), "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert "added by hand" not in target.read_text()


def test_the_same_runbook_again_is_left_as_it_is(cli: Any, tmp_path: Path) -> None:
    source, out = tmp_path / "failover.md", tmp_path / "runbooks"
    source.write_text(SECOND)
    assert cli("runbook", "import", str(source), "--out", str(out)).exit_code == 0
    again = cli("runbook", "import", str(source), "--out", str(out))
    assert again.exit_code == 0 and "(unchanged)" in again.output
