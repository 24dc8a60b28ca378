"""Text people wrote is shown as written by the CLI: square brackets in a note, a title or a
status update's state are not Rich markup (`[urgent]` vanished, `[bold]` turned bold, and
every timeline's 'internal update [identified]' read 'internal update :')."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from warroom.db import Database

ROOT = Path(__file__).resolve().parents[2]

WRITTEN = "[urgent] db [bold]down[/bold]"


def _ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_bracketed_text_shows_as_written(
    db: Database, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)  # config apply works on the database
    monkeypatch.setenv("COLUMNS", "200")
    _ok(cli("config", "apply", str(ROOT / "examples" / "oracle"), "--force"))
    _ok(cli("incident", "open", "--title", "[db] replica lag", "--severity", "SEV2"))
    _ok(cli("incident", "note", "1", WRITTEN))
    _ok(cli("update", "1", "--state", "identified", "--internal", "failing over"))
    timeline = _ok(cli("timeline", "1"))
    assert f"note: {WRITTEN}" in timeline, timeline
    assert "internal update [identified]: failing over" in timeline, timeline
    screen = _ok(cli("incident", "show", "1"))
    assert WRITTEN in screen, screen
    listed = _ok(cli("incident", "list"))
    assert "[db] replica lag" in listed, listed
