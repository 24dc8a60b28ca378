"""A start at a wall time the clocks skip (01:30 in London on the last Sunday of March) was
shown as it was typed, '01:30 GMT', a time that never happens there, while the first page of
the same moment showed '02:30'; the JSON's `start` said 01:30Z next to rows at +01:00. The
start is now the moment it means in the zone (02:30 BST), as every row shows it. Through the
real CLI on the atlas pack; no database needed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from warroom.cli.main import app

ATLAS = Path(__file__).resolve().parents[3] / "examples" / "atlas"


def test_a_start_the_clocks_skip_is_shown_as_the_moment_it_means() -> None:
    args = ["simulate", str(ATLAS), "--severity", "P0", "--tz", "Europe/London", "--hours", "1"]
    skipped = [*args, "--start", "2026-03-29T01:30"]

    shown = CliRunner().invoke(app, skipped, catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "from 2026-03-29 02:30 BST to 2026-03-29 03:30 BST" in shown.output
    assert "01:30 GMT" not in shown.output

    found = json.loads(CliRunner().invoke(app, [*skipped, "--json"]).stdout)
    assert found["start"] == "2026-03-29T02:30:00+01:00"
    assert found["rows"][0]["at"] == found["start"]

    # A time that happens twice (the clocks go back) keeps its first meaning, summer time.
    twice = json.loads(
        CliRunner().invoke(app, [*args, "--start", "2026-10-25T01:30", "--json"]).stdout
    )
    assert twice["start"] == "2026-10-25T01:30:00+01:00"
    assert twice["end"] == "2026-10-25T01:30:00Z"  # an hour later: the second 01:30, GMT
