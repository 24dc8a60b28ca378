"""Docs examples run as written (issue 10): every command block of README.md and docs/*.md
fenced as ```` ```bash runnable ```` runs, command by command, through the real CLI against an
in-process app (the `cli` fixture), and each command must succeed. The blocks of one file run
in order on one database, like a reader following the page (the tour opens INC-1, then works it).

`pack=DIR` after `runnable` applies that config directory before the block, as `make run` does
for the tour (`examples/oracle`), unless it is already the applied one. A runnable block holds
only `warroom ...` commands (a `curl` or a shell variable cannot run in process): mark such
blocks plain ```` ```bash ````. Prompts get empty answers, i.e. their defaults (`warroom
classify` answers "unsure").
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from warroom.db import Database

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```bash runnable(?P<attrs>[^\n]*)\n(?P<body>.*?)^(?P=indent)```",
    re.M | re.S,
)


@dataclass(frozen=True)
class Block:
    where: str  # file:line
    pack: str | None
    commands: tuple[tuple[str, ...], ...]


def commands_of(body: str) -> tuple[tuple[str, ...], ...]:
    """Each command of a block as argv without `warroom`: continuations joined, comments cut."""
    joined = re.sub(r"\\\n", " ", body)
    out = []
    for line in joined.splitlines():
        argv = shlex.split(line, comments=True)
        if argv:
            out.append(tuple(argv))
    return tuple(out)


def runnable_blocks() -> list[Block]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            attrs = dict(a.split("=", 1) for a in match["attrs"].split() if "=" in a)
            found.append(
                Block(
                    f"{path.relative_to(ROOT)}:{line}",
                    attrs.get("pack"),
                    commands_of(match["body"]),
                )
            )
    return found


BLOCKS = runnable_blocks()


def test_the_tour_and_simulate_docs_are_marked_runnable() -> None:
    files = {b.where.split(":")[0] for b in BLOCKS}
    assert {"README.md", "docs/simulate.md"} <= files, files
    assert sum(len(b.commands) for b in BLOCKS) >= 15


FILES = sorted({b.where.split(":")[0] for b in BLOCKS})


@pytest.mark.parametrize("doc", FILES)
def test_runnable_blocks_run_as_written(
    doc: str,
    db: Database,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # docs name packs relative to the repository
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)  # commands that work on the database
    monkeypatch.setenv("COLUMNS", "120")
    applied_pack = None
    for block in (b for b in BLOCKS if b.where.startswith(f"{doc}:")):
        if block.pack and block.pack != applied_pack:
            applied = cli("config", "apply", block.pack, "--force")
            assert applied.exit_code == 0, applied.output
            applied_pack = block.pack
        for argv in block.commands:
            run(block, argv, cli)


def run(block: Block, argv: tuple[str, ...], cli: Callable[..., Any]) -> None:
    shown = " ".join(argv)
    assert argv[0] == "warroom", f"{block.where}: not a warroom command: {shown}"
    assert not any("$" in a for a in argv), f"{block.where}: shell variable in {shown}"
    result = cli(*argv[1:], input="\n" * 20)
    assert result.exit_code == 0, f"{block.where}: `{shown}` failed:\n{result.output}"


TEAM_WITH_A_DAYTIME_ROTA = """
severities: [{key: SEV1, name: High}]
users:
  - {email: ann@example.com, name: Ann}
  - {email: bob@example.com, name: Bob}
teams: [{key: sre, name: SRE, members: [ann@example.com, bob@example.com]}]
schedules:
  - key: day
    team: sre
    layers:
      - name: day
        participants: [ann@example.com]
        start: "2026-01-05"
        restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
escalation_policies:
  - {key: p, name: P, default: true, levels: [{notify: ["{target}"]}]}
"""


@pytest.mark.parametrize("target", ["oncall:sre", "team:sre"])
def test_a_team_target_with_nobody_on_call_pages_nobody(
    target: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """docs/configuration.md (Targets, schedules[].team): `oncall:TEAM` and the old `team:TEAM`
    page whoever is on call in the team's schedules; at 3am, outside the only layer's hours,
    that is nobody, and the team's members are not paged instead."""
    import json

    (tmp_path / "org.yaml").write_text(TEAM_WITH_A_DAYTIME_ROTA.replace("{target}", target))
    argv = ["simulate", str(tmp_path), "--severity", "SEV1", "--start", "2026-03-10T03:00"]
    result = cli(*argv, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert {r["who"] for r in rows} == {"(nobody)"}, rows
    noon = cli(*argv[:-1], "2026-03-10T12:00", "--json")
    assert [r["who"] for r in json.loads(noon.output)["rows"]] == ["ann@example.com"]


def test_the_tours_status_update_reaches_the_oracle_channel(
    db: Database, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """README, step 4: the tour's `warroom update` on INC-1 (raised to SEV1) reaches the pack's
    oracle-incidents channel, and `warroom outbox list` shows it."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)  # config apply works on the database
    monkeypatch.setenv("COLUMNS", "160")
    [update] = [
        argv for b in BLOCKS if b.where.startswith("README.md:")
        for argv in b.commands if argv[:2] == ("warroom", "update")
    ]  # fmt: skip
    assert cli("config", "apply", "examples/oracle", "--force").exit_code == 0
    assert cli("incident", "open", "--title", "Test incident", "--severity", "SEV3").exit_code == 0
    assert cli("incident", "severity", "1", "SEV1", "--reason", "customers see 5xx").exit_code == 0
    result = cli(*update[1:])
    assert result.exit_code == 0, result.output
    assert "reached 1 channel(s)/people: channel:oracle-incidents" in result.output
    assert "WARNING" not in result.output
    assert "channel:oracle-incidents" in cli("outbox", "list").output


UPDATES_WITHOUT_A_ROOM = """
severities:
  - {key: SEV1, name: High, internal_update_every: 30m}
  - {key: SEV3, name: Low}
users: [{email: ann@example.com, name: Ann}]
teams: [{key: sre, name: SRE, members: [ann@example.com]}]
services: [{key: api, name: API, team: sre}]
"""


@pytest.mark.parametrize(
    ("extra", "warned"),
    [
        ("", True),  # SEV1 asks for updates every 30 minutes; none would reach anyone
        ("channels: [{key: room, url: 'json://hooks.example.com/x'}]\n", True),  # unused
        (
            "channels: [{key: room, url: 'json://hooks.example.com/x'}]\n"
            "comms: {severity_channels: {SEV1: [room]}}\n",
            False,
        ),
    ],
)
def test_config_check_warns_when_the_updates_a_severity_asks_for_reach_no_channel(
    extra: str, warned: bool, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """docs/configuration.md (`comms`): a severity with `internal_update_every` whose updates
    no channel takes (none for it in `comms.severity_channels`, none on any service or team)
    is accepted with a warning: every update would answer 'reached nobody'."""
    (tmp_path / "org.yaml").write_text(UPDATES_WITHOUT_A_ROOM + extra)
    result = cli("config", "check", str(tmp_path))
    assert result.exit_code == 0, result.output
    line = "org.yaml:3: warning: severities[SEV1].internal_update_every: its status updates"
    assert (line in result.output) is warned, result.output
    assert "severities[SEV3]" not in result.output


TEMPLATES_WITH_MISTAKES = """severities:
  - {key: SEV1, name: High}
templates:
  resolution_file: templates/resolution.j2
  page: "{{ nosuch_inline }}"
  status_update: |
    ok {{ ref }}
    {{ nosuch_block }}
"""


def test_config_check_puts_a_template_mistake_at_its_file_and_line(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """docs/configuration.md (`templates`): config check reports a template's error at its
    file and line: in the template's own file for KEY_file (it named a line of the YAML
    file), on the value's own line for a one-line value (it said the next line)."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "resolution.j2").write_text("fine {{ ref }}\n{{ nosuch_file }}\n")
    (tmp_path / "org.yaml").write_text(TEMPLATES_WITH_MISTAKES)
    result = cli("config", "check", str(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = {
        f"{tmp_path}/templates/resolution.j2:2: templates.resolution: template line 2",
        f"{tmp_path}/org.yaml:5: templates.page: template line 1",
        f"{tmp_path}/org.yaml:8: templates.status_update: template line 2",
    }
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, result.output)


@pytest.mark.parametrize(
    ("written", "where"),
    [
        ("  template_file: postmortem.md.j2\n", "postmortem.md.j2:3"),
        ('  template: "# T {{ nosuch }}"\n', "org.yaml:4"),
        ("  templates:\n    SEV1_file: postmortem.md.j2\n", "postmortem.md.j2:3"),
    ],
)
def test_config_check_puts_a_postmortem_template_mistake_at_its_file_and_line(
    written: str, where: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """examples/oracle and examples/atlas give their postmortem template as template_file: a
    mistake in it was reported at a line of the YAML file."""
    (tmp_path / "postmortem.md.j2").write_text("# {{ ref }}\n\n## Summary {{ nosuch }}\n")
    config = "severities:\n  - {key: SEV1, name: High}\npostmortems:\n" + written
    (tmp_path / "org.yaml").write_text(config)
    result = cli("config", "check", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path}/{where}: postmortems.template" in result.output, result.output
