"""A runbook's Markdown file with a mistake is named with its own line, not the YAML's.

Before, every problem of a `markdown_file:` runbook was put at the YAML line naming the file
(`runbooks.yaml:3: runbooks[db].markdown: ...`), a front matter YAML error came as PyYAML's
multi-line dump counting lines from the front matter (`in "<unicode string>", line 3`), a file
that is not UTF-8 said neither line nor byte, and an empty one "String should have at least
1 character (got '')".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.helpers import write
from warroom.config.service import load_directory

RUNBOOKS = "runbooks:\n  - key: db\n    markdown_file: runbooks/db.md\n"


def _problems(tmp_path: Path, markdown: bytes, extra: dict[str, str] | None = None) -> list[str]:
    folder = write(tmp_path, {"runbooks.yaml": RUNBOOKS, **(extra or {})})
    (folder / "runbooks").mkdir()
    (folder / "runbooks" / "db.md").write_bytes(markdown)
    _, problems = load_directory(folder)
    return [line.replace(f"{folder}/", "") for line in problems.lines()]


CASES: dict[str, tuple[bytes, str]] = {
    "front matter YAML error": (
        b"---\ntitle: DB\nseverities: [SEV1, SEV2\n---\n# DB\n- a step\n",
        "runbooks/db.md:3: runbooks[db].markdown: front matter is not valid YAML: "
        "expected ',' or ']', but got '<stream end>' (while parsing a flow sequence)",
    ),
    "unknown front matter field": (
        b"---\ntitle: DB\nseverity: SEV1\n---\n# DB\n- a step\n",
        "runbooks/db.md:3: runbooks[db].markdown: unknown front matter field(s): severity",
    ),
    "front matter of the wrong type": (
        b"---\ntitle: DB\n\nservices: {api: 1}\n---\n# DB\n- a step\n",
        "runbooks/db.md:4: runbooks[db].markdown: front matter services: "
        "Input should be a valid list",
    ),
    "front matter never ends": (
        b"---\ntitle: DB\n# DB\n- a step\n",
        "runbooks/db.md:1: runbooks[db].markdown: front matter starts with --- but never ends; "
        "if the --- is a rule, put a blank line after it",
    ),
    "no title": (
        b"\n\n- a step\n",
        "runbooks/db.md:3: runbooks[db].markdown: a runbook needs a title "
        "(front matter title: or a # heading)",
    ),
    "nested too deeply, after blank lines": (
        b"\n\n# DB\n\n" + b"".join(b"  " * i + b"- level\n" for i in range(12)),
        "runbooks/db.md:14: runbooks[db].markdown: lists and quotes are nested too "
        "deeply to read (about 10 lists inside one another); what follows would be lost: "
        "nest less",
    ),
    "not UTF-8": (
        b"# DB\n\n## Mitigation\n1. caf\xe9 restart\n",
        "runbooks/db.md:4: runbooks[db].markdown_file: the file is not UTF-8 text: byte 0xe9 "
        "at column 7; save it as UTF-8 (read by runbooks.yaml:3)",
    ),
    "empty": (
        b"\n  \n",
        "runbooks/db.md:1: runbooks[db].markdown: the runbook is empty; "
        "it needs at least a # title",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_runbook_files_mistake_is_named_at_its_own_line(tmp_path: Path, case: str) -> None:
    markdown, expected = CASES[case]
    assert _problems(tmp_path, markdown) == [expected]


def test_front_matter_naming_unknown_levels_points_at_their_line(tmp_path: Path) -> None:
    markdown = b"---\ntitle: DB\nservices: [api]\nseverities: [SEV1, P9]\n---\n# DB\n- a\n"
    assert _problems(tmp_path, markdown) == [
        "runbooks/db.md:4: runbooks[db].markdown: front matter names unknown severity 'P9'"
    ]
    markdown = b"---\nservices:\n  - api\n  - apii\n---\n# DB\n- a\n"
    assert _problems(tmp_path / "b", markdown) == [
        "runbooks/db.md:2: runbooks[db].markdown: front matter names unknown service 'apii'"
    ]


def test_inline_markdown_points_at_the_yaml_line_of_the_mistake(tmp_path: Path) -> None:
    inline = (
        "runbooks:\n"
        "  - key: db\n"
        "    markdown: |\n"
        "      ---\n"
        "      title: DB\n"
        "      owner: me\n"
        "      ---\n"
        "      # DB\n"
    )
    folder = write(tmp_path, {"runbooks.yaml": inline})
    _, problems = load_directory(folder)
    assert [p.removeprefix(f"{folder}/") for p in problems.lines()] == [
        "runbooks.yaml:6: runbooks[db].markdown: unknown front matter field(s): owner"
    ]


def test_a_good_runbook_file_has_no_problem(tmp_path: Path) -> None:
    markdown = b"\n---\ntitle: DB\nseverities: [SEV1]\n---\n# DB\n- a step\n"
    assert _problems(tmp_path, markdown) == []


def test_a_secret_file_that_is_not_utf8_shows_none_of_its_bytes(tmp_path: Path) -> None:
    intake = "integrations:\n  - key: prom\n    type: alertmanager\n    secret_file: prom.token\n"
    folder = write(tmp_path, {"intake.yaml": intake})
    (folder / "prom.token").write_bytes(b"s3cr\xe9t-token-0123456789\n")
    _, problems = load_directory(folder)
    lines = [line.replace(f"{folder}/", "") for line in problems.lines()]
    assert lines == ["intake.yaml:4: secret_file: 'prom.token' is not UTF-8 text"]


def test_a_duplicate_front_matter_field_is_a_problem_not_the_last_one_winning(
    tmp_path: Path,
) -> None:
    # Before, YAML's last-one-wins made this runbook attach to SEV2 incidents only, unsaid.
    markdown = (
        b"---\ntitle: DB\nseverities: [SEV1]\nmatchers: {a: x, a: y}\nseverities: [SEV2]\n"
        b"---\n# DB\n- a\n"
    )
    assert _problems(tmp_path, markdown) == [
        "runbooks/db.md:4: runbooks[db].markdown: duplicate front matter field 'matchers.a' "
        "(first at line 4)",
    ]
    markdown = b"---\ntitle: DB\nseverities: [SEV1]\nseverities: [SEV2]\n---\n# DB\n- a\n"
    assert _problems(tmp_path / "b", markdown) == [
        "runbooks/db.md:4: runbooks[db].markdown: duplicate front matter field 'severities' "
        "(first at line 3)",
    ]


def test_a_runbook_with_no_steps_is_a_warning(tmp_path: Path) -> None:
    # Before, a file holding only its front matter (the content not pasted) was ok, unsaid.
    folder = write(tmp_path, {"runbooks.yaml": RUNBOOKS})
    (folder / "runbooks").mkdir()
    (folder / "runbooks" / "db.md").write_text("---\ntitle: DB failover\n---\n")
    _, problems = load_directory(folder)
    assert problems.lines() == []
    assert [w.replace(f"{folder}/", "") for w in problems.warnings()] == [
        "runbooks/db.md:1: warning: runbooks[db].markdown: the runbook has no steps (no list "
        "items or code blocks): its checklist would have nothing to tick"
    ]
