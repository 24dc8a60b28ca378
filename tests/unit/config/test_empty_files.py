"""An empty file is named; a config whose files are all empty is refused.

Before, `warroom config check` said "ok (no sections)" for a directory whose files were all
empty (an editor that truncated them, the wrong directory), and `config apply --force` would
then deactivate everything applied before; a single empty file among others passed unnoticed.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.config.helpers import write
from warroom.config.service import load_directory, load_files


def _check(folder: Path) -> tuple[list[str], list[str]]:
    _, problems = load_directory(folder)
    strip = f"{folder}/"
    return (
        [p.replace(strip, "") for p in problems.lines()],
        [w.replace(strip, "") for w in problems.warnings()],
    )


def test_an_empty_file_among_others_is_a_warning(tmp_path: Path) -> None:
    folder = write(tmp_path, {"routes.yaml": "", "extra.yaml": "# to do\n"})
    problems, warnings = _check(folder)
    assert problems == []
    assert warnings == [
        "extra.yaml:1: warning: the file is empty (no sections): nothing in it is applied",
        "routes.yaml:1: warning: the file is empty (no sections): nothing in it is applied",
    ]


def test_a_config_whose_files_are_all_empty_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "org.yaml").write_text("")
    (folder / "routes.yaml").write_text("# nothing yet\n\n")
    problems, _ = _check(folder)
    assert problems == [
        "org.yaml:1: no sections in any file of the config: applied, it would deactivate "
        "everything applied before"
    ]
    _, over_api = load_files({"org.yaml": "\n"})
    assert over_api.lines() == [
        "org.yaml:1: no sections in any file of the config: applied, it would deactivate "
        "everything applied before"
    ]


def test_a_section_with_no_items_is_no_empty_file(tmp_path: Path) -> None:
    folder = write(tmp_path, {"routes.yaml": "routes: []\n"})
    assert _check(folder) == ([], [])
