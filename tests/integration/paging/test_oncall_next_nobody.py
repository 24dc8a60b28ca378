"""`warroom oncall` says when nobody is next, rather than a bare dash.

A layer restricted to business hours: on Friday at 10:00 oncall2 is on call until 17:00, and
from 17:00 nobody is. The Next column showed "-" with a time in From, which reads as "not
known"; it now reads "(nobody)", like the On call column does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.paging.test_oncall_nobody_paged import BUSINESS_HOURS_ONLY
from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database


def test_nobody_next_reads_nobody(
    db: Database, clock: FakeClock, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "200")  # the whole table, however wide the terminal
    clock.set(datetime(2026, 1, 2, 10, tzinfo=UTC))
    apply(db, clock, BUSINESS_HOURS_ONLY)
    shown = cli("oncall", "--at", "2026-01-02T10:00Z")
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.stdout.splitlines() if "atlas-primary" in line)
    cells = [c.strip() for c in row.strip("│ \n").split("│")]
    assert cells[1:4] == ["oncall2@atlas.test", "2026-01-02 17:00:00 UTC", "(nobody)"], cells
