"""`warroom incident show` says why nobody is paged: a severity that does not page (`page:
false`) is not an incident with "no escalation policy"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def _ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_a_severity_that_does_not_page_says_so(
    db: Database,
    cli: Callable[..., Any],
    settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")
    _ok(cli("config", "apply", str(ROOT / "examples" / "oracle"), "--force"))
    _ok(cli("incident", "open", "--title", "disk 80% on a replica", "--severity", "SEV3"))
    Worker(db, clock, settings, "cli-test").run_once()  # paging plans the incident
    screen = _ok(cli("incident", "show", "1"))
    pages = screen.split("Pages", 1)[1].split("Alerts", 1)[0]
    assert "SEV3 does not page" in pages, pages
    assert "no escalation policy" not in pages, pages


def test_the_command_to_take_command_names_the_incident(
    db: Database, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")
    _ok(cli("config", "apply", str(ROOT / "examples" / "oracle"), "--force"))
    for title in ("first", "second"):
        _ok(cli("incident", "open", "--title", title, "--severity", "SEV3"))
    screen = _ok(cli("incident", "show", "INC-2"))
    assert "take command: `warroom incident role INC-2 incident_commander YOU`" in screen, screen
