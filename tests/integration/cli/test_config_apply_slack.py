"""`warroom config apply` of a config with a slack:// channel logs no Apprise error: the plan
masks the channel's URL once and never hands the masked form to Apprise."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from warroom.db import Database

CONFIG = """\
severities:
  - {key: SEV1, name: Critical}
channels:
  - key: war-room
    name: "#war-room"
    url: slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#war-room
"""


def test_applying_a_slack_channel_logs_no_error(
    db: Database,
    cli: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "warroom.yaml").write_text(CONFIG)
    with caplog.at_level(logging.WARNING):
        result = cli("config", "apply", str(tmp_path), "--force")
    assert result.exit_code == 0, result.output
    assert "+ create channel war-room" in result.output, result.output
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in result.output
    assert [r.getMessage() for r in caplog.records if r.name.startswith("apprise")] == []
