"""Checking an evidence export without a database."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from warroom.evidence.bundle import verify_zip


@pytest.mark.parametrize("content", [b"", b"not a zip"])
def test_verify_rejects_garbage(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(content)
    count, problems = verify_zip(path)
    assert count == 0 and problems


def test_verify_finds_missing_and_extra_files(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    manifest = {
        "items": [{"id": 1, "name": "a", "path": "items/00001-a", "sha256": "0", "size": 1}]
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("items/extra", b"x")
    _, problems = verify_zip(path)
    assert problems == [
        "item 1 (a): items/00001-a is missing",
        "items/extra: not listed in the manifest",
    ]


@pytest.mark.parametrize(
    ("items", "said"),
    [
        ([1], "manifest.json: items[0] is not an item (an object with id, path, sha256)"),
        ("abc", "manifest.json: items is not a list"),
        ({"a": 1}, "manifest.json: items is not a list"),
        ([{"id": 1, "path": "items/x", "sha256": "a"}, None], "manifest.json: items[1] is not"),
    ],
)
def test_a_malformed_manifest_is_named_not_a_traceback(
    tmp_path: Path, items: object, said: str
) -> None:
    # A manifest whose items are not objects ended 'evidence verify' with an AttributeError
    # traceback (and exit status 1 from Python, not a BAD line).
    path = tmp_path / "e.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"items": items}))
        archive.writestr("items/x", b"")
    _count, problems = verify_zip(path)
    assert any(said in problem for problem in problems), problems
