"""YAML a user (or an admin's API client) may write that must end in a problem, not a hang,
a crash or a silent surprise: alias bombs, alias loops, deep nesting, bytes that are not
UTF-8, `${...}` written as in a shell.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.unit.config.helpers import write
from warroom.config.loader import ALIAS_LIMIT
from warroom.config.service import load_directory, load_files

# Nine levels of nine aliases each: 9**7 (4.8 million) values from 400 bytes of text.
BOMB = "\n".join(
    [
        "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 8)),
    ]
)


def test_an_alias_bomb_is_refused_at_once_over_the_api() -> None:
    started = time.process_time()
    _, problems = load_files({"bomb.yaml": BOMB})
    # Before: 60 s of CPU and gigabytes of memory, then one unknown-section problem per key.
    assert time.process_time() - started < 5
    assert problems.lines() == [
        f"bomb.yaml:1: aliases (*name) copy more than {ALIAS_LIMIT} values in this file; "
        "write the items out instead"
    ]


def test_a_few_aliases_are_still_fine(tmp_path: Path) -> None:
    text = """\
        users:
          - email: ann@example.com
            name: Ann
            role: admin
        teams:
          - key: sre
            name: SRE
            members: &people [ann@example.com]
          - key: db
            name: DB
            members: *people
        """
    doc, problems = load_directory(write(tmp_path / "cfg", {"org.yaml": text}, base=False))
    assert not problems
    assert [t["members"] for t in doc.raw()["teams"]] == [["ann@example.com"]] * 2


def test_an_alias_inside_its_own_item_is_a_problem_not_a_crash() -> None:
    # Before: RecursionError (a traceback from the CLI, a 500 from the API).
    _, problems = load_files({"loop.yaml": "users: &x\n  - *x\n"})
    assert problems.lines() == [
        "loop.yaml:1: an alias (*name) refers to the item that holds it; it would never end"
    ]


def test_nesting_too_deep_is_a_problem_not_a_crash() -> None:
    text = "users: " + "[" * 3000 + "]" * 3000 + "\n"
    _, problems = load_files({"deep.yaml": text})
    assert problems.lines() == ["deep.yaml:1: the file nests lists and mappings too deeply to read"]


def test_a_file_that_is_not_utf8_names_the_line_of_the_byte(tmp_path: Path) -> None:
    directory = tmp_path / "cfg"
    directory.mkdir()
    (directory / "org.yaml").write_bytes(
        b"users:\n  - email: ann@example.com\n    name: Ren\xe9\n"  # Latin-1
    )
    _, problems = load_directory(directory)
    # Before: line 1 and Python's "'utf-8' codec can't decode byte 0xe9 in position 44".
    assert problems.lines() == [
        f"{directory}/org.yaml:3: the file is not UTF-8 text: byte 0xe9 at column 14; "
        "save it as UTF-8"
    ]


def _names(tmp_path: Path, name: str, env: dict[str, str]) -> tuple[str | None, list[str]]:
    text = f'services:\n  - key: api\n    name: "{name}"\n    team: sre\n'
    doc, problems = load_directory(write(tmp_path / "cfg", {"services.yaml": text}), env=env)
    services = doc.raw().get("services") or [{}]
    return services[0].get("name"), [line.split(": ", 1)[1] for line in problems]


def test_a_default_stands_in_for_a_variable_set_but_empty(tmp_path: Path) -> None:
    # As in a shell and in docker compose: `FOO=` in an env file means "use the default".
    assert _names(tmp_path, "${SVC_NAME:-Gateway}", {"SVC_NAME": ""}) == ("Gateway", [])
    assert _names(tmp_path, "${SVC_NAME:-Gateway}", {"SVC_NAME": "API"}) == ("API", [])
    assert _names(tmp_path, "x${SVC_NAME}", {"SVC_NAME": ""}) == ("x", [])


def test_a_shell_form_that_is_no_reference_is_a_problem(tmp_path: Path) -> None:
    # Before: kept as the text "${SVC_NAME-Gateway}", the name of the service.
    for written in ("${SVC_NAME-Gateway}", "${SVC_NAME:?set it}", "${ SVC_NAME }", "${}"):
        name, problems = _names(tmp_path, written, {"SVC_NAME": "API"})
        assert name is None, written
        assert problems == [
            "services[0].name: '${' starts no reference here; write ${NAME} or "
            "${NAME:-default} (a name of letters, digits and _), or $${ for a literal ${"
        ], written
    assert _names(tmp_path, "$${SVC_NAME-Gateway}", {}) == ("${SVC_NAME-Gateway}", [])
