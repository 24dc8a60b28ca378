"""`warroom postmortem edit` with an editor that does not exist or a --file that is not
UTF-8 text: one line, exit 1, nothing saved; not a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.review.postmortems.test_cli import resolved
from warroom.clock import FakeClock
from warroom.db import Database


def test_an_editor_that_does_not_exist(
    db: Database, clock: FakeClock, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    number = str(resolved(db, clock))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "no-such-editor-anywhere")
    result = cli("postmortem", "edit", number)  # was FileNotFoundError
    assert result.exit_code == 1
    assert "error: cannot run the editor (no-such-editor-anywhere)" in result.output
    assert "VISUAL or EDITOR" in result.output


def test_a_file_that_is_not_utf8_text(
    db: Database, clock: FakeClock, cli: Callable[..., Any], tmp_path: Path
) -> None:
    number = str(resolved(db, clock))
    blob = tmp_path / "pm.md"
    blob.write_bytes(b"\xff\xfe\x00binary")
    result = cli("postmortem", "edit", number, "--file", str(blob))  # was UnicodeDecodeError
    assert result.exit_code == 1
    assert f"error: {blob} is not UTF-8 text" in result.output


def test_command_output_that_is_not_utf8_text(
    db: Database, clock: FakeClock, cli: Callable[..., Any], tmp_path: Path
) -> None:
    # evidence add --command --output: a UnicodeDecodeError traceback (and on stdin too).
    number = str(resolved(db, clock))
    blob = tmp_path / "dump.out"
    blob.write_bytes(b"\xff\xfe\x00binary")
    result = cli("evidence", "add", number, "--command", "xxd dump", "--output", str(blob))
    assert result.exit_code == 1
    assert f"error: {blob} is not UTF-8 text; add it with --file" in result.output
    piped = cli("evidence", "add", number, "--command", "xxd dump", input=b"\xff\xfe\x00bin")
    assert piped.exit_code == 1 and "standard input is not UTF-8 text" in piped.output
    text = cli("evidence", "add", number, "--command", "date", input="Sun Dec  6\n")
    assert text.exit_code == 0, text.output
