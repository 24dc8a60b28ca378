"""`warroom evidence get` wrote whatever bytes it was sent: an item whose bytes were changed in
the database came down as the forged bytes, without a word, though the answer carries the
item's sha256 (X-Evidence-SHA256). The CLI now checks them: a mismatch writes nothing and
exits 1 naming both hashes; a match says so with --out."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.factories import seed_catalog
from warroom.db import Database


def _item(db: Database, cli: Any) -> None:
    with db.session() as session:
        seed_catalog(session)
        session.commit()
    assert cli("incident", "open", "--title", "Keys leaked", "--severity", "SEV2").exit_code == 0
    assert cli("evidence", "add", "1", "--text", "the real log", "--name", "a").exit_code == 0


def test_a_download_whose_bytes_do_not_match_is_refused(
    db: Database, cli: Any, tmp_path: Path
) -> None:
    _item(db, cli)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE evidence_items SET content = :c WHERE id = 1"), {"c": b"forged"})
    out = tmp_path / "a.txt"
    got = cli("evidence", "get", "1", "1", "--out", str(out))
    assert got.exit_code == 1, got.output
    real = hashlib.sha256(b"the real log").hexdigest()
    forged = hashlib.sha256(b"forged").hexdigest()
    assert f"the bytes received hash to {forged}, the item's sha256 is {real}" in got.output
    assert "nothing written" in got.output and not out.exists()
    to_stdout = cli("evidence", "get", "1", "1")
    assert to_stdout.exit_code == 1 and "forged" not in to_stdout.stdout


def test_a_matching_download_is_written_and_said_to_match(
    db: Database, cli: Any, tmp_path: Path
) -> None:
    _item(db, cli)
    out = tmp_path / "a.txt"
    got = cli("evidence", "get", "1", "1", "--out", str(out))
    assert got.exit_code == 0, got.output
    assert out.read_bytes() == b"the real log"
    digest = hashlib.sha256(b"the real log").hexdigest()
    assert f"wrote {out} (12 B, sha256 {digest} as recorded)" in got.output
    assert cli("evidence", "get", "1", "1").stdout == "the real log"
