"""Without --tz, `warroom simulate` reads --start and shows its times in the reader's zone as
every other command does (WARROOM_TZ, else TZ, else the machine's), a real zone with its
clock changes. It ignored WARROOM_TZ and took the machine's offset of today as a fixed one: in
December in Berlin, --start 2026-07-10T03:00 played 04:00 CEST labelled '03:00 CET'. Through
the real CLI on the oracle pack; no database needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app

ORACLE = Path(__file__).resolve().parents[3] / "examples" / "oracle"
ARGS = ["simulate", str(ORACLE), "--severity", "SEV0", "--hours", "1"]


def _json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*ARGS, *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


@pytest.mark.parametrize("variable", ["WARROOM_TZ", "TZ"])
def test_start_in_the_reader_zone_with_its_summer_time(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WARROOM_TZ", raising=False)
    monkeypatch.setenv(variable, "Europe/Berlin")
    summer = _json("--start", "2026-07-10T03:00")
    assert (summer["start"], summer["time_zone"]) == ("2026-07-10T03:00:00+02:00", "Europe/Berlin")
    winter = _json("--start", "2026-12-10T03:00")
    assert winter["start"] == "2026-12-10T03:00:00+01:00"
    shown = CliRunner().invoke(app, [*ARGS, "--start", "2026-07-10T03:00"])
    assert "from 2026-07-10 03:00 CEST to 2026-07-10 04:00 CEST" in shown.output


def test_tz_wins_and_a_wrong_warroom_tz_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_TZ", "Europe/Berlin")
    london = _json("--start", "2026-07-10T03:00", "--tz", "Europe/London")
    assert london["start"] == "2026-07-10T03:00:00+01:00"
    monkeypatch.setenv("WARROOM_TZ", "Mars/Olympus")
    refused = CliRunner().invoke(app, [*ARGS, "--start", "2026-07-10T03:00"])
    assert refused.exit_code == 1
    assert "WARROOM_TZ 'Mars/Olympus' is not a time zone" in refused.output
