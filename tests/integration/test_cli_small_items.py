"""The issue 10 "smaller" items of the CLI: the no-token error says what to do, `oncall` does
not present the end of its look-ahead window as a hand-off, `classify --json` numbers rules
from 1 as the text does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.integration.paging.world import apply
from warroom.cli import client as cli_client
from warroom.cli.main import app as cli_app
from warroom.clock import FakeClock
from warroom.db import Database

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SCHEDULES = """\
users:
  - {email: solo@atlas.test, name: Solo}
  - {email: ana@atlas.test, name: Ana}
  - {email: bo@atlas.test, name: Bo}
schedules:
  - key: solo
    layers:
      - {name: all, participants: [solo@atlas.test], shift: weekly, start: "2025-12-29"}
  - key: pair
    layers:
      - name: daily
        participants: [ana@atlas.test, bo@atlas.test]
        shift: daily
        start: "2025-12-29"
        handoff: "09:00"
"""


def test_without_a_token_the_error_names_warroom_token_and_login(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.headers.pop("Authorization", None)
    monkeypatch.setattr(cli_client, "client_factory", lambda: cli_client.ApiClient(client))
    result = CliRunner().invoke(cli_app, ["incident", "list"])
    assert result.exit_code == 1
    assert "WARROOM_TOKEN" in result.output and "warroom login" in result.output


def test_oncall_says_when_no_hand_off_is_in_sight(
    db: Database, clock: FakeClock, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("WARROOM_TZ", "UTC")
    apply(db, clock, SCHEDULES)
    at = clock.now().isoformat()
    shown = cli("oncall", "--at", at)
    assert shown.exit_code == 0, shown.output
    [solo] = [line for line in shown.output.splitlines() if "solo@atlas.test" in line]
    assert "no hand-off in the next 90 days" in solo
    [pair] = [line for line in shown.output.splitlines() if line.strip().startswith("│ pair")]
    assert "09:00:00 UTC" in pair and "no hand-off" not in pair  # a real hand-off time


def test_classify_json_numbers_rules_as_the_text_does(cli: Callable[..., Any]) -> None:
    answers = ["-a", "impact=total_outage", "-a", "user_facing=yes", "-a", "data_loss_risk=no"]
    answers += ["-a", "functionality_lost=yes"]
    config = ["--config", str(EXAMPLES / "atlas")]
    text = cli("classify", *config, *answers)
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[0] == "P0  (rule 2: Total outage, user-facing)"
    data = json.loads(cli("classify", *config, "--json", *answers).output)
    assert (data["severity"], data["rule"], data["rule_name"]) == (
        "P0",
        2,
        "Total outage, user-facing",
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--check", "--schedule", "nope"],
        ["--check", "--at", "+1d"],
        ["--days", "3"],
    ],
)
def test_oncall_refuses_options_it_would_ignore(cli: Callable[..., Any], args: list[str]) -> None:
    # `oncall --check --schedule X` checked every schedule and could answer "everyone ... has a
    # working contact method" for a schedule that does not exist; --days without --check did
    # nothing.
    result = cli("oncall", *args)
    assert result.exit_code == 2
    assert "--check" in result.output


@pytest.mark.parametrize("when", ["+999999999w", "+9999999d", "9999-12-31T23:59:59-05:00"])
def test_a_time_too_far_away_is_a_clear_error(cli: Callable[..., Any], when: str) -> None:
    # '+999999999w' ended in OverflowError: Python int too large to convert to C int.
    result = cli("oncall", "--at", when)
    assert result.exit_code == 1
    assert f"--at: {when!r} is " in result.output


@pytest.mark.parametrize("wait", ["nan", "-1", "inf"])
def test_notify_test_refuses_a_wait_it_cannot_keep(cli: Callable[..., Any], wait: str) -> None:
    # --wait nan (or inf) waited for the outcomes forever: the deadline was never reached.
    result = cli("notify", "test", "nobody@example.com", "--wait", wait)
    assert result.exit_code == 2 and "--wait" in result.output
