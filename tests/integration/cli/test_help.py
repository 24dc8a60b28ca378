"""Every command's --help, as a responder reads it: it opens (exit 0), says what the command
does, and shows a flag as a flag: `--json <bool>` read as an option taking a value, and
`warroom incident list --json true` is refused ('unexpected extra argument')."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from warroom.cli.main import app


def _commands(command: Any, path: list[str]) -> Iterator[list[str]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, [*path, name])


COMMANDS = list(_commands(get_command(app), []))


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "warroom")
def test_help_opens_and_shows_flags_as_flags(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage: warroom" in result.output
    assert "<bool>" not in result.output, result.output


def test_escalate_names_the_targets_it_takes() -> None:
    text = CliRunner().invoke(app, ["escalate", "--help"], env={"COLUMNS": "200"}).output
    assert "oncall:TEAM" in text and "members:TEAM" in text and "team:KEY" not in text, text
    assert "Why you are escalating; asked for when left out" in text, text
