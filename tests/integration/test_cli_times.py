"""Times the CLI prints are in the reader's zone (WARROOM_TZ, TZ or local), as
`warroom.cli.output.fmt_time` shows them, never the API's raw UTC ISO strings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.integration.review.postmortems.test_cli import resolved
from warroom.cli.main import app as cli_app
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.migrate import upgrade


@pytest.fixture(autouse=True)
def tokyo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_TZ", "Asia/Tokyo")


def _ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_status_update_says_when_the_next_is_due_in_the_readers_zone(
    db: Database, clock: FakeClock, cli: Callable[..., Any]
) -> None:
    number = str(resolved(db, clock))
    _ok(cli("incident", "reopen", number, "--note", "again"))
    out = _ok(
        cli("update", number, "--state", "investigating", "--internal", "x", "--next-update", "30m")
    )
    assert re.search(r"next update due \d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST\n", out), out


def test_status_maintenance_window_in_the_readers_zone(
    db: Database, cli: Callable[..., Any]
) -> None:
    args = ["--start", "2026-12-07T10:00:00Z", "--end", "2026-12-07T11:00:00Z"]
    out = _ok(cli("status", "maintenance", "--name", "Disk swap", *args))
    assert "(2026-12-07 19:00:00 JST to 2026-12-07 20:00:00 JST)" in out


def test_config_show_says_when_it_was_applied_in_the_readers_zone(
    db: Database, clock: FakeClock, cli: Callable[..., Any]
) -> None:
    resolved(db, clock)  # applies a config
    out = _ok(cli("config", "show"))
    assert " JST by " in out and "Z by" not in out


def test_audit_checkpoint_says_when_it_was_written_in_the_readers_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/local.db"
    upgrade(url)
    monkeypatch.setenv("WARROOM_DATABASE_URL", url)
    monkeypatch.setenv("WARROOM_SECRET_KEY", "k" * 32)
    result = CliRunner().invoke(cli_app, ["audit", "checkpoint", "--out", str(tmp_path / "c")])
    out = _ok(result)
    assert " JST written to " in out and "+00:00" not in out


def test_incident_list_since_without_a_zone_is_in_the_readers_zone(
    db: Database, clock: FakeClock, cli: Callable[..., Any]
) -> None:
    # A time without an offset was read as UTC here, as the reader's zone everywhere else
    # (oncall --at, override add, schedule shifts): 20:00 in Tokyo is 11:00 UTC.
    resolved(db, clock)  # opened at 2026-01-01 12:00 UTC = 21:00 JST
    shown = _ok(cli("incident", "list", "--since", "2026-01-01T20:00", "--json"))
    assert [i["ref"] for i in json.loads(shown)["items"]] == ["INC-1"]
    later = _ok(cli("incident", "list", "--since", "2026-01-01T22:00", "--json"))
    assert json.loads(later)["items"] == []


def test_report_since_and_until_without_a_zone_are_in_the_readers_zone(
    db: Database, clock: FakeClock, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # They were sent as typed, which the API reads as UTC: 20:00 was 20:00 UTC, 05:00 JST
    # the next day, and missed the incident `incident list --since` shows from the same time.
    monkeypatch.setenv("COLUMNS", "200")
    resolved(db, clock)  # opened at 2026-01-01 12:00 UTC = 21:00 JST
    clock.advance(hours=24)
    for since, count in (("2026-01-01T20:00", 1), ("2026-01-01T22:00", 0)):
        listed = json.loads(_ok(cli("incident", "list", "--since", since, "--json")))["items"]
        figures = json.loads(_ok(cli("report", "--since", since, "--json")))
        assert len(listed) == figures["incidents"]["total"] == count, (since, figures)
    window = ("--since", "2026-01-01", "--until", "2026-01-01T21:30")  # midnight to 21:30 JST
    figures = json.loads(_ok(cli("report", *window, "--json")))
    assert (figures["since"], figures["until"]) == ("2025-12-31T15:00:00Z", "2026-01-01T12:30:00Z")
    assert figures["incidents"]["total"] == 1
    table = _ok(cli("report", *window))
    assert table.startswith("2026-01-01 00:00:00 JST to 2026-01-01 21:30:00 JST: 1 incident"), table
    drills = _ok(cli("drill", "report", "--since", "2026-01-01T20:00", "--json"))
    assert json.loads(drills)["since"] == "2026-01-01T11:00:00Z"
