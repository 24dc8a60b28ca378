"""docs/configuration.md is the configuration reference: it must name every field there is.

Each registered config section needs a heading naming it (`` `routes` ``), and every field of
its model (and of the models nested in it) must appear in code in the first cell of a table
row under that heading, written as in the files (the alias: `continue`, `from`). Every process
setting must appear as its environment variable, and so must every `WARROOM_*` variable the
code reads. The other way round, a documented field must exist, and `#anchor` links must lead
to a heading.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from warroom.config.registry import sections
from warroom.engine.options import EngineOptions
from warroom.paging.peopleconfig import ContactMethodConfig, NotificationRuleConfig
from warroom.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
# Models validated outside their section's model (users' contact methods are plain dicts there).
EXTRA_MODELS: dict[str, list[type[BaseModel]]] = {
    "users": [ContactMethodConfig, NotificationRuleConfig],
}
HEADING = re.compile(r"^(#{2,3}) (.+)$", re.MULTILINE)
CODE = re.compile(r"`([^`\n]+)`")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _chunks(text: str) -> list[tuple[str, str]]:
    """(heading, body) for every `##` / `###` heading, the body running to the next heading."""
    marks = list(HEADING.finditer(text))
    return [
        (m.group(2), text[m.end() : marks[n + 1].start() if n + 1 < len(marks) else len(text)])
        for n, m in enumerate(marks)
    ]


def _under(text: str, name: str) -> str:
    """The text of every heading that names `name` in code."""
    return "".join(body for heading, body in _chunks(text) if f"`{name}`" in heading)


def _table_code_words(text: str) -> set[str]:
    """Words in code in the first cell of table rows (`layers[].start`: layers and start)."""
    words: set[str] = set()
    for line in text.splitlines():
        if line.startswith("|"):
            for span in CODE.findall(line.split("|")[1]):
                words.update(WORD.findall(span))
    return words


def _nested(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models inside an annotation (list[X], X | None, dict[str, X], ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if get_origin(annotation) in (Union, types.UnionType) or get_args(annotation):
        for arg in get_args(annotation):
            yield from _nested(arg)


def field_names(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every field name of `model` and its nested models, as written in the files."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for inner in _nested(info.annotation):
            names |= field_names(inner, seen)
    return names


SECTIONS = sections()


def test_the_reference_has_no_placeholders() -> None:
    assert "to be documented" not in _doc().lower()


@pytest.mark.parametrize("key", list(SECTIONS))
def test_every_section_has_a_heading(key: str) -> None:
    headings = [heading for heading, _ in _chunks(_doc()) if f"`{key}`" in heading]
    assert headings, f"docs/configuration.md has no heading naming `{key}`"


@pytest.mark.parametrize("key", list(SECTIONS))
def test_every_field_of_a_section_is_documented(key: str) -> None:
    wanted = field_names(SECTIONS[key].model)
    for model in EXTRA_MODELS.get(key, []):
        wanted |= field_names(model)
    documented = _table_code_words(_under(_doc(), key))
    missing = sorted(wanted - documented)
    assert not missing, f"`{key}` fields missing from docs/configuration.md tables: {missing}"


@pytest.mark.parametrize("key", list(SECTIONS))
def test_every_documented_field_exists(key: str) -> None:
    known = field_names(SECTIONS[key].model)
    for model in EXTRA_MODELS.get(key, []):
        known |= field_names(model)
    stale = sorted(_table_code_words(_under(_doc(), key)) - known)
    assert not stale, f"docs/configuration.md documents `{key}` fields that do not exist: {stale}"


def test_field_names_see_aliases_and_nested_models() -> None:
    routes = field_names(SECTIONS["routes"].model)
    windows = field_names(SECTIONS["maintenance_windows"].model)
    assert {"continue", "label", "map", "default"} <= routes and "continue_" not in routes
    assert {"from", "to", "days", "time_zone"} <= windows and "from_" not in windows
    assert {"restrictions", "days", "shift_length"} <= field_names(SECTIONS["schedules"].model)


def _env_names(options: type[BaseSettings]) -> list[str]:
    prefix = str(options.model_config.get("env_prefix", ""))
    return [f"{prefix}{name}".upper() for name in options.model_fields]


@pytest.mark.parametrize(
    "variable", _env_names(Settings) + _env_names(EngineOptions), ids=lambda v: str(v)
)
def test_every_setting_is_documented_as_its_variable(variable: str) -> None:
    text = _doc()
    start = text.index("\n## Settings (environment variables)\n")
    end = text.find("\n## ", start + 1)
    settings_part = text[start : end if end != -1 else len(text)]
    assert variable in _table_code_words(settings_part)


def _variables_in_src() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "warroom").rglob("*.py"):
        found |= set(re.findall(r"WARROOM_[A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")))
    return found


def test_every_variable_the_code_reads_is_documented() -> None:
    variables = _variables_in_src()
    assert {"WARROOM_ENGINE", "WARROOM_URL", "WARROOM_INTAKE_MAX_IN_FLIGHT"} <= variables
    missing = sorted(v for v in variables if f"`{v}`" not in _doc())
    assert not missing, f"WARROOM_* variables read in src/ but not in the reference: {missing}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_point_at_existing_headings() -> None:
    broken = []
    for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)#([\w-]+)\)", _doc()):
        path = DOC if not target else (DOC.parent / target)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        found = {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.MULTILINE)}
        if anchor not in found:
            broken.append(f"{target}#{anchor}")
    assert not broken, f"links to missing headings in docs/configuration.md: {broken}"
