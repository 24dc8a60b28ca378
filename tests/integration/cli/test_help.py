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


@pytest.mark.parametrize(
    "path",
    [p for p in COMMANDS if p[:1] != ["jobs"]],  # `warroom jobs`: another area's
    ids=lambda p: " ".join(p) or "warroom",
)
def test_every_option_says_what_it_is(path: list[str]) -> None:
    command: Any = get_command(app)
    for name in path:
        command = command.commands[name]
    unexplained = [
        "/".join(p.opts)
        for p in command.params
        if p.param_type_name == "option" and not p.hidden and not getattr(p, "help", None)
    ]
    assert unexplained == [], f"warroom {' '.join(path)}: {unexplained} have no help"


def test_escalate_names_the_targets_it_takes() -> None:
    text = CliRunner().invoke(app, ["escalate", "--help"], env={"COLUMNS": "200"}).output
    assert "oncall:TEAM" in text and "members:TEAM" in text and "team:KEY" not in text, text
    assert "Why you are escalating; asked for when left out" in text, text
