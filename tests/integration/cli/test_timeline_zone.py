"""Times inside the timeline's sentences ('postmortem drafted, ..., due 2026-01-03 12:00 UTC',
'internal update OVERDUE since ...') were in UTC while the When column beside them is in the
reader's zone (WARROOM_TZ): at 3am in Tokyo the row read '21:00 ... due 12:00 UTC'."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.review.postmortems.test_cli import resolved
from warroom.clock import FakeClock
from warroom.db import Database


def test_times_in_the_sentences_are_in_the_readers_zone(
    db: Database, clock: FakeClock, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_TZ", "Asia/Tokyo")
    monkeypatch.setenv("COLUMNS", "200")
    number = str(resolved(db, clock))
    events = json.loads(cli("timeline", number, "--json").output)
    drafted = next(e for e in events if e["kind"] == "review:postmortem:created")
    assert drafted["payload"]["due_at"].startswith("2026-01-03T12:00")  # 48 h after, in UTC
    for args in (["timeline", number], ["incident", "show", number]):
        out = cli(*args).output
        assert "due 2026-01-03 21:00 JST" in out, out
        assert " UTC" not in out, out
