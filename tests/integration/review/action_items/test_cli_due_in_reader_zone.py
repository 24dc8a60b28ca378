"""`warroom action-item add/update --due` read a date as the end of that day in the reader's
zone (WARROOM_TZ), and a time without an offset in that zone, as every time the CLI reads.
They read a date as the end of that day in UTC and refused a time without an offset: a reader
in Los Angeles typing --due 2026-03-01 was shown 'due 2026-03-01 15:59:59 PST' and flagged
overdue that afternoon. Through the real CLI, on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from warroom.clock import FakeClock


def _ok(cli: Callable[..., Any], *args: str) -> Any:
    result = cli("action-item", *args)
    assert result.exit_code == 0, result.output
    return result


def test_due_date_and_time_in_the_reader_zone(
    cli: Callable[..., Any], number: int, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_TZ", "America/Los_Angeles")
    added = _ok(
        cli, "add", str(number), "-t", "Alert on queue depth", "-o", "ana@corp.test",
        "--impact", "high", "--effort", "low", "--due", "2026-03-01",
    )  # fmt: skip
    assert "due 2026-03-01 23:59:59 PST" in added.stdout
    item = json.loads(_ok(cli, "list", "--json").stdout)[0]
    assert item["due_at"].startswith("2026-03-02T07:59:59")  # the end of 1 March in LA

    moved = json.loads(
        _ok(cli, "update", str(item["id"]), "--due", "2026-03-05T17:00", "--json").stdout
    )
    assert moved["due_at"].startswith("2026-03-06T01:00:00")  # 17:00 PST

    # A time with its offset is read as written.
    moved = json.loads(
        _ok(cli, "update", str(item["id"]), "--due", "2026-03-05T17:00+00:00", "--json").stdout
    )
    assert moved["due_at"].startswith("2026-03-05T17:00:00")


def test_a_due_that_is_no_date_is_refused_with_nothing_written(
    cli: Callable[..., Any], number: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_TZ", "America/Los_Angeles")
    result = cli(
        "action-item", "add", str(number), "-t", "X", "-o", "ana@corp.test",
        "--impact", "high", "--effort", "low", "--due", "next friday",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "due" in result.output and "next friday" in result.output
    assert "no action items" in _ok(cli, "list").stdout
