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
