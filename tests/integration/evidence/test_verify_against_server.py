"""`warroom evidence verify ZIP` checks the files against the zip's own manifest, so a copy
whose item was changed together with its manifest line (or whose item was dropped from both)
read 'OK'. With --server the manifest itself is checked too: its sha256 must be one warroom
recorded exporting for that incident (`evidence:export:downloaded`)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from tests.factories import seed_catalog
from warroom.db import Database

CHANGED = b"nothing to see\n"


def exported(db: Database, cli: Any, tmp_path: Path) -> Path:
    with db.session() as session:
        seed_catalog(session)
        session.commit()
    assert cli("incident", "open", "--title", "Keys leaked", "--severity", "SEV2").exit_code == 0
    assert cli("evidence", "add", "1", "--text", "rm -rf by bot", "--name", "a").exit_code == 0
    assert cli("evidence", "add", "1", "--text", "second", "--name", "b").exit_code == 0
    out = tmp_path / "INC-1-evidence.zip"
    assert cli("evidence", "export", "1", "--out", str(out)).exit_code == 0
    return out


def rewritten(source: Path, target: Path, change: Any) -> Path:
    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    change(files, manifest)
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def matched(files: dict[str, bytes], manifest: dict[str, Any]) -> None:
    item = manifest["items"][0]
    files[item["path"]] = CHANGED
    item["sha256"], item["size"] = hashlib.sha256(CHANGED).hexdigest(), len(CHANGED)


def dropped(files: dict[str, bytes], manifest: dict[str, Any]) -> None:
    del files[manifest["items"][0]["path"]]
    manifest["items"] = manifest["items"][1:]


def test_the_server_recorded_the_exported_manifest(db: Database, cli: Any, tmp_path: Path) -> None:
    out = exported(db, cli, tmp_path)
    digest = hashlib.sha256(zipfile.ZipFile(out).read("manifest.json")).hexdigest()
    offline = cli("evidence", "verify", str(out))
    assert offline.exit_code == 0 and f"manifest sha256 {digest}" in offline.output
    checked = cli("evidence", "verify", str(out), "--server")
    assert checked.exit_code == 0, checked.output
    assert "OK: 2 item(s) match the manifest" in checked.output
    assert "warroom recorded exporting this manifest for INC-1" in checked.output


def test_a_manifest_edited_to_match_is_caught_with_server(
    db: Database, cli: Any, tmp_path: Path
) -> None:
    out = exported(db, cli, tmp_path)
    for change in (matched, dropped):
        bad = rewritten(out, tmp_path / f"{change.__name__}.zip", change)
        checked = cli("evidence", "verify", str(bad), "--server")
        assert checked.exit_code == 1, (change.__name__, checked.output)
        assert "BAD: manifest.json (sha256 " in checked.output
        assert "is not a manifest warroom exported for INC-1" in checked.output
