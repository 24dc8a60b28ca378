"""`warroom config apply|plan --actor`: who applied is recorded; an empty name is refused,
before anything is written (it was recorded as applied 'by ' nobody)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.config.helpers import write
from warroom.db import Database


@pytest.fixture
def local_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    return db


@pytest.mark.parametrize("actor", ["", "   "])
@pytest.mark.parametrize("command", ["apply", "plan"])
def test_an_empty_actor_is_refused(
    cli: Callable[..., Any], local_db: Database, tmp_path: Path, actor: str, command: str
) -> None:
    org = write(tmp_path / "org", {"org.yaml": "users:\n  - email: a@example.com\n    name: A\n"})
    result = cli("config", command, str(org), "--actor", actor)
    assert result.exit_code == 2 and "--actor" in result.output
    assert "no config has been applied yet" in cli("config", "show").output
