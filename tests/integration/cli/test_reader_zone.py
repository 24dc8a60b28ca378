"""A WARROOM_TZ that names no time zone (a typo: America/New_Yrok) was ignored without a word:
times were shown in the machine's zone, and a time without an offset (`override add --start
2026-01-05T09:00`) was read in it, so the override began hours away from what was meant."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.paging.world import ORG, apply
from warroom.clock import FakeClock
from warroom.db import Database

TYPO = (
    "error: WARROOM_TZ 'America/New_Yrok' is not a time zone (an IANA name such as Europe/Berlin)"
)


def test_a_warroom_tz_that_is_no_zone_is_an_error(
    db: Database, clock: FakeClock, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(db, clock, ORG)
    assert cli("incident", "open", "--title", "db down", "--severity", "P2").exit_code == 0
    monkeypatch.setenv("WARROOM_TZ", "America/New_Yrok")
    args = ["--schedule", "atlas-primary", "--user", "lead@atlas.test"]
    added = cli("override", "add", *args, "--start", "2026-01-05T09:00", "--end", "+8h")
    assert added.exit_code == 1, added.output
    assert added.output.strip() == TYPO
    listed = cli("incident", "list")
    assert (listed.exit_code, listed.output.strip()) == (1, TYPO)

    monkeypatch.setenv("WARROOM_TZ", "America/New_York")
    overrides = cli("override", "list", "--schedule", "atlas-primary", "--json")
    assert json.loads(overrides.output) == []  # the refused override was not made
    added = cli("override", "add", *args, "--start", "2026-01-05T09:00", "--end", "+8h")
    assert added.exit_code == 0, added.output
    assert "2026-01-05 09:00:00 EST" in added.output
