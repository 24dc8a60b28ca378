"""A file that cannot be read is the one problem named, not the names it would have defined.

Before, a YAML syntax error (or a byte that is not UTF-8) in org.yaml came with a problem for
every user and team named elsewhere ("no user 'bob@example.com' in users", "unknown team 'sre'
(known: none defined)"), listed before the real one: the user chased definitions that were
there all along. Names are checked once every file can be read; problems of the files that
could be read (an unknown field) are still named.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.config.helpers import write
from warroom.config.service import load_directory

SCHEDULES = """\
    schedules:
      - key: sre
        name: SRE
        time_zone: UTC
        layers:
          - name: weekly
            participants: [bob@example.com]
            shift: weekly
            start: "2026-01-05"
    """
BROKEN_ORG = """\
    users:
      - email: ann@example.com
        name: Ann: the admin
        role: admin
      - email: bob@example.com
        name: Bob
    teams:
      - key: sre
        name: SRE
    """


def _lines(folder: Path) -> list[str]:
    _, problems = load_directory(folder)
    return [line.replace(f"{folder}/", "") for line in problems.lines()]


def test_a_syntax_error_is_not_followed_by_unknown_names(tmp_path: Path) -> None:
    folder = write(tmp_path, {"org.yaml": BROKEN_ORG, "oncall.yaml": SCHEDULES})
    assert _lines(folder) == ["org.yaml:3: YAML syntax error: mapping values are not allowed here"]


def test_a_file_that_is_not_utf8_is_not_followed_by_unknown_names(tmp_path: Path) -> None:
    folder = write(tmp_path, {"oncall.yaml": SCHEDULES})
    (folder / "org.yaml").write_bytes(
        b"users:\n  - email: ann@example.com\n    name: Ren\xe9\n    role: admin\n"
    )
    assert _lines(folder) == [
        "org.yaml:3: the file is not UTF-8 text: byte 0xe9 at column 14; save it as UTF-8"
    ]


def test_the_other_files_own_problems_are_still_named(tmp_path: Path) -> None:
    services = "services:\n  - key: api\n    name: API\n    tema: sre\n"
    folder = write(tmp_path, {"org.yaml": BROKEN_ORG, "services.yaml": services})
    assert _lines(folder) == [
        "org.yaml:3: YAML syntax error: mapping values are not allowed here",
        "services.yaml:4: services[api].tema: unknown field; did you mean 'team'?",
    ]


def test_with_every_file_readable_unknown_names_are_named(tmp_path: Path) -> None:
    services = "services:\n  - key: api\n    name: API\n    team: sre2\n"
    folder = write(tmp_path, {"services.yaml": services})
    assert _lines(folder) == [
        "services.yaml:4: services[api].team: unknown team 'sre2' (known: sre)"
    ]


def test_a_section_that_cannot_be_read_is_not_followed_by_unknown_names(tmp_path: Path) -> None:
    # `runbooks:` written as one mapping, and `runbook:` for `runbooks:`: every runbook the
    # services name read as unknown, as if none were defined.
    services = "services:\n  - key: api\n    name: API\n    runbooks: [db]\n"
    runbooks = "runbooks:\n  key: db\n  markdown: '# DB'\n"
    folder = write(tmp_path / "a", {"services.yaml": services, "runbooks.yaml": runbooks})
    assert _lines(folder) == ["runbooks.yaml:1: runbooks must be a list of items"]
    typo = "runbook:\n  - key: db\n    markdown: '# DB'\n"
    folder = write(tmp_path / "b", {"services.yaml": services, "runbooks.yaml": typo})
    [line] = _lines(folder)
    assert line.startswith("runbooks.yaml:1: unknown section 'runbook'; did you mean 'runbooks'?")
