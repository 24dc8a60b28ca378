"""macOS's AppleDouble companions (`._services.yaml`, written beside each file when a config
directory is copied to a disk or an archive that keeps no extended attributes) are not config:
they are skipped, on the server and when sent through the API. Before, `config check` failed
on each with "the file is not UTF-8 text", and nothing could be applied."""

from __future__ import annotations

from pathlib import Path

from tests.unit.config.helpers import write
from warroom.config.service import load_directory, load_files

# The header AppleDouble files start with (magic 0x00051607, version 2, "Mac OS X" filler).
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\x00\x00\x00\x09\xff\xfe"


def test_appledouble_companions_are_not_read(tmp_path: Path) -> None:
    folder = write(tmp_path, {})
    for name in ("._services.yaml", "._org.yaml"):
        (folder / name).write_bytes(APPLEDOUBLE)
    (folder / "teams").mkdir()
    (folder / "teams" / "._web.yaml").write_bytes(APPLEDOUBLE)
    doc, problems = load_directory(folder)
    assert not problems, problems.lines()
    assert doc.identities("services") == {"api"}


def test_a_hidden_file_that_is_not_appledouble_is_still_read(tmp_path: Path) -> None:
    folder = write(tmp_path, {})
    (folder / ".extra.yaml").write_bytes(b"teams:\n  - key: web\n    name: Web \xe9\n")
    _, problems = load_directory(folder)
    assert [p.replace(f"{folder}/", "") for p in problems.lines()] == [
        ".extra.yaml:3: the file is not UTF-8 text: byte 0xe9 at column 15; save it as UTF-8"
    ]


def test_sent_appledouble_companions_are_left_out(tmp_path: Path) -> None:
    files = {
        "severities.yaml": "severities:\n  - {key: SEV1, name: High}\n",
        "._severities.yaml": "\x00\x05\x16\x07Mac OS X",
        "runbooks/._db.md": "\x00\x05\x16\x07Mac OS X",
    }
    doc, problems = load_files(files)
    assert not problems, problems.lines()
    assert doc.identities("severities") == {"SEV1"}
