"""`warroom runbook import` and config markdown_file: a UTF-8 BOM, non-ASCII headings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.runbooks.conftest import write_config
from warroom.config.service import load_directory
from warroom.runbooks.config import RunbookConfig
from warroom.runbooks.markdown import parse

BOM = "\ufeff"


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_cli_import_of_a_file_with_a_bom_keeps_its_title(cli: Any, tmp_path: Path) -> None:
    src = _write(tmp_path / "in.md", BOM + "# Database failover\n\n## Mitigation\n1. Promote\n")
    result = cli("runbook", "import", str(src), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'out' / 'database-failover.md'}: Database failover (1 steps" in (
        result.output
    )
    doc = parse((tmp_path / "out" / "database-failover.md").read_text(encoding="utf-8"))
    assert (doc.id, doc.title) == ("database-failover", "Database failover")
    assert [s.title for s in doc.sections] == ["Mitigation"]
    assert [s.text for s in doc.steps()] == ["Promote"]

    only_h1 = _write(tmp_path / "h1.md", BOM + "# Database failover\n\n1. Promote\n")
    result = cli("runbook", "import", str(only_h1), "--out", str(tmp_path / "out2"))
    assert result.exit_code == 0, result.output
    assert [f.name for f in (tmp_path / "out2").iterdir()] == ["database-failover.md"]


def test_cli_import_split_names_non_ascii_headings_in_ascii(cli: Any, tmp_path: Path) -> None:
    text = (
        "---\nid: ops\ntitle: Ops\n---\n# Ops\n\n- intro\n\n"
        "## Störung Datenbank\n\nSymptoms:\n\n- x\n\nActions:\n\n- y\n"
    )
    src = _write(tmp_path / "in.md", text)
    result = cli("runbook", "import", str(src), "--out", str(tmp_path / "out"), "--split")
    assert result.exit_code == 0, result.output
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [
        "ops.md",
        "storung-datenbank.md",
    ]
    piece = parse((tmp_path / "out" / "storung-datenbank.md").read_text(encoding="utf-8"))
    assert (piece.id, piece.title) == ("storung-datenbank", "Störung Datenbank")
    assert [s.text for s in piece.steps()] == ["x", "y"]


def test_cli_import_of_a_non_ascii_title_without_front_matter(cli: Any, tmp_path: Path) -> None:
    src = _write(tmp_path / "in.md", "# Störung der Datenbank\n\n- a\n")
    result = cli("runbook", "import", str(src), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert [f.name for f in (tmp_path / "out").iterdir()] == ["storung-der-datenbank.md"]


def test_config_markdown_file_with_a_bom_keeps_its_title(tmp_path: Path) -> None:
    folder = write_config(tmp_path / "config")
    text = (folder / "runbooks" / "db-failover.md").read_text(encoding="utf-8")
    _write(folder / "runbooks" / "db-failover.md", BOM + text)
    _write(folder / "runbooks" / "slow-api.md", BOM + "# Slow API\n\n- Look at the dashboard\n")
    doc, problems = load_directory(folder)
    assert not problems, problems.lines()
    runbooks = {r.key: r for r in doc.items("runbooks") if isinstance(r, RunbookConfig)}
    assert runbooks["db-failover"].doc.title == "Database failover"
    assert [s.title for s in runbooks["db-failover"].doc.sections] == ["Symptoms", "Mitigation"]
    assert runbooks["slow-api"].doc.title == "Slow API"
    assert not runbooks["db-failover"].markdown.startswith(BOM)


def test_cli_import_split_with_an_unusable_heading_is_a_clear_error(
    cli: Any, tmp_path: Path
) -> None:
    heading = "Datenbank " * 40  # over the 300 characters a runbook title may have
    text = f"---\nid: ops\ntitle: Ops\n---\n# Ops\n\n- intro\n\n## {heading}\n\nSymptoms:\n\n- x\n"
    src = _write(tmp_path / "in.md", text)
    result = cli("runbook", "import", str(src), "--out", str(tmp_path / "out"), "--split")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert f"{src}: " in result.output and "Datenbank" in result.output
    assert not (tmp_path / "out").exists()  # nothing written


def test_cli_import_reads_utf16_and_names_the_line_of_a_byte_that_is_not_utf8(
    cli: Any, tmp_path: Path
) -> None:
    """A runbook saved by a Windows editor as "Unicode" (UTF-16 with its BOM) failed with
    Python's "'utf-8' codec can't decode byte 0xff in position 0"; it now imports (written
    out as UTF-8, which config reads). A Latin-1 file names its first bad byte's line."""
    text = "# Störung der Datenbank\n\n## Mitigation\n1. Replikat befördern\n"
    utf16 = tmp_path / "utf16.md"
    utf16.write_bytes(text.encode("utf-16"))
    result = cli("runbook", "import", str(utf16), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "storung-der-datenbank.md").read_text(encoding="utf-8")
    assert [s.text for s in parse(written).steps()] == ["Replikat befördern"]

    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes("# Failover\n\n- Promote\n- Vérifier\n".encode("latin-1"))
    result = cli("runbook", "import", str(latin1), "--out", str(tmp_path / "out2"))
    assert result.exit_code == 1
    assert f"{latin1}: is not UTF-8 text (byte 0xe9 on line 4); save it as UTF-8" in (result.output)
    assert not (tmp_path / "out2").exists()
