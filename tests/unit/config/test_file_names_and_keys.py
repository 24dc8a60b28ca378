"""A config file saved as `Routes.YAML` is read; a key with a space is told what a key is.

Before, `*.YAML` / `*.Yml` files (as some Windows and macOS tools save them) were skipped
without a word: `config check` said ok and an apply deactivated every route they held. A key
with a space answered with the regular expression it failed, "String should match pattern
'^[A-Za-z0-9][A-Za-z0-9_.-]*$'".
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.config.helpers import write
from warroom.config.service import load_directory


def test_an_upper_case_suffix_is_read(tmp_path: Path) -> None:
    folder = write(tmp_path, {})
    (folder / "services.yaml").rename(folder / "Services.YAML")
    (folder / "extra.Yml").write_text("teams:\n  - key: web\n    name: Web\n")
    doc, problems = load_directory(folder)
    assert not problems, problems.lines()
    assert doc.identities("services") == {"api"} and doc.identities("teams") == {"sre", "web"}


def test_a_key_that_is_no_key_says_what_a_key_is(tmp_path: Path) -> None:
    services = "services:\n  - key: api gateway\n    name: API\n    team: sre\n"
    _, problems = load_directory(write(tmp_path, {"services.yaml": services}))
    assert [p.replace(f"{tmp_path}/", "") for p in problems.lines()] == [
        "services.yaml:2: services[api gateway].key: not a key: letters, digits, '_', '.' and "
        "'-', starting with a letter or digit (got 'api gateway')"
    ]


def test_config_in_a_sub_folder_is_named_as_not_read(tmp_path: Path) -> None:
    # Before, `teams/web.yaml` was skipped without a word: its sections never applied.
    folder = write(tmp_path, {})
    (folder / "teams").mkdir()
    web = "# the web team\nteams:\n  - key: web\n    name: W\n"
    (folder / "teams" / "web.yaml").write_text(web)
    (folder / "drills").mkdir()
    (folder / "drills" / "crash.yaml").write_text("title: Crash\nsteps: []\n")
    (folder / "runbooks").mkdir()
    (folder / "runbooks" / "db.md").write_text("# DB\n")
    (folder / "runbooks" / "broken.yml").write_text("teams: [\n")
    _, problems = load_directory(folder)
    assert not problems, problems.lines()
    assert [w.replace(f"{folder}/", "") for w in problems.warnings()] == [
        "teams/web.yaml:2: warning: this file is not read (only the YAML files directly in "
        f"{folder} are): its section teams is not applied; move the file up a folder"
    ]
