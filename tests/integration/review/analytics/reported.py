"""The report as `warroom report --json` prints it, through the real CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from warroom.clock import FakeClock

AFTER = datetime(2026, 3, 10, tzinfo=UTC)


def report_json(cli: Any, clock: FakeClock, *args: str, at: datetime | None = AFTER) -> Any:
    """The report's JSON at `at` (None: the clock as it is), since 1 March 2026 unless args
    give --since."""
    if at is not None:
        clock.set(at)
    since = () if "--since" in args else ("--since", "2026-03-01")
    result = cli("report", *since, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
