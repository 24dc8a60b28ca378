"""`warroom evidence export` and `evidence get --out` never overwrite a file that exists (an
earlier export may be the copy someone verified or handed on) unless --force, and download
nothing then."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.factories import seed_catalog
from warroom.db import Database


def test_an_earlier_export_is_kept_unless_forced(
    db: Database, cli: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    with db.session() as session:
        seed_catalog(session)
        session.commit()
    assert cli("incident", "open", "--title", "Keys leaked", "--severity", "SEV2").exit_code == 0
    assert cli("evidence", "add", "1", "--text", "first", "--name", "a").exit_code == 0
    monkeypatch.chdir(tmp_path)
    assert cli("evidence", "export", "1").exit_code == 0
    first = (tmp_path / "INC-1-evidence.zip").read_bytes()
    assert cli("evidence", "add", "1", "--text", "second", "--name", "b").exit_code == 0
    again = cli("evidence", "export", "1")
    assert again.exit_code == 1
    assert "INC-1-evidence.zip already exists: nothing written" in again.output
    assert (tmp_path / "INC-1-evidence.zip").read_bytes() == first
    kept = tmp_path / "note.txt"
    kept.write_text("mine")
    got = cli("evidence", "get", "1", "1", "--out", str(kept))
    assert got.exit_code == 1 and kept.read_text() == "mine"
    timeline = cli("timeline", "1", "--json")
    assert (
        timeline.output.count("evidence:export:downloaded") == 1
    )  # the refused ones fetched nothing
    assert "evidence:item:downloaded" not in timeline.output
    assert cli("evidence", "export", "1", "--force").exit_code == 0
    assert (tmp_path / "INC-1-evidence.zip").read_bytes() != first
    assert cli("evidence", "get", "1", "1", "--out", str(kept), "--force").exit_code == 0
    assert kept.read_text() == "first" and os.stat(kept).st_mode & 0o777 == 0o600
