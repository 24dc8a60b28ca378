"""`warroom runbook import` named its output file after the front matter's `id`, unchecked: a
runbook copied from someone else's wiki with `id: ../../notes/README` wrote (or overwrote) a
Markdown file anywhere the on-call engineer can write. An id is a runbook key, as in config."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app as cli_app

BODY = "# Database failover\n\n## Mitigation\n- promote the replica\n"


@pytest.mark.parametrize("bad", ["../../escaped", "sub/dir", "..", "a b"])
def test_an_id_that_is_no_key_is_refused_and_nothing_is_written(tmp_path: Path, bad: str) -> None:
    source = tmp_path / "wiki" / "failover.md"
    source.parent.mkdir()
    source.write_text(f"---\nid: '{bad}'\n---\n{BODY}", encoding="utf-8")
    out = tmp_path / "a" / "b" / "out"
    result = CliRunner().invoke(cli_app, ["runbook", "import", str(source), "--out", str(out)])
    assert result.exit_code == 1
    assert "id" in result.output
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert written == [source]


def test_a_key_id_names_the_file_inside_out(tmp_path: Path) -> None:
    source = tmp_path / "failover.md"
    source.write_text(f"---\nid: db-failover.v2\n---\n{BODY}", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["runbook", "import", str(source), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "db-failover.v2.md").read_text(encoding="utf-8").startswith("---")
