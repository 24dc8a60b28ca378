"""Parameter validation and rendering: one template is one argument, bad values name the field."""

from __future__ import annotations

from typing import Any

import pytest

from warroom.actions import render
from warroom.actions.config import ActionConfig, ActionSettingsConfig
from warroom.errors import Invalid

MARKET = {"name": "market", "type": "string", "pattern": "[A-Z]{3}-[A-Z]{3}"}
COUNT = {"name": "count", "type": "integer", "min": 0, "max": 10}
LEVEL = {"name": "level", "type": "enum", "values": ["NORMAL", "BLOCK"]}
TEXT = {"name": "text", "type": "string"}


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (MARKET, "EUR-USD", "EUR-USD"),
        (COUNT, "7", 7),
        (COUNT, 0, 0),
        (LEVEL, "BLOCK", "BLOCK"),
        (TEXT, "; rm -rf / $(id) `id`", "; rm -rf / $(id) `id`"),
    ],
)
def test_valid_values_pass(spec: dict[str, Any], value: Any, expected: Any) -> None:
    assert render.validate_params([spec], {spec["name"]: value}) == {spec["name"]: expected}


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (MARKET, "EUR-USDX"),  # fullmatch, not search
        (MARKET, "xEUR-USD"),
        (COUNT, "11"),
        (COUNT, "-1"),
        (COUNT, "1e3"),
        (COUNT, True),
        (LEVEL, "block"),
        (TEXT, "two\nlines"),
        (TEXT, "--all"),
        (TEXT, ""),
        (TEXT, "x" * 201),
        (TEXT, 5),
    ],
)
def test_invalid_values_name_their_field(spec: dict[str, Any], value: Any) -> None:
    with pytest.raises(Invalid) as caught:
        render.validate_params([spec], {spec["name"]: value})
    assert caught.value.field == f"params.{spec['name']}"


def test_leading_dash_can_be_allowed_and_defaults_fill_in() -> None:
    spec = {**TEXT, "allow_leading_dash": True}
    assert render.validate_params([spec], {"text": "-5"}) == {"text": "-5"}
    optional = {**LEVEL, "required": False, "default": "NORMAL"}
    assert render.validate_params([optional], {}) == {"level": "NORMAL"}


def test_each_template_renders_to_exactly_one_argument() -> None:
    definition = {"argv": ["tool", "--market={{ market }}", "{{ text }}"]}
    context = {"market": "EUR-USD", "text": "a b; c\n$(d)"}
    argv = render.render_command(definition, context, dry_run=False)
    assert argv == ["tool", "--market=EUR-USD", "a b; c\n$(d)"]


def test_dry_run_variant_and_preview() -> None:
    context = {"x": "1"}
    appended = {"argv": ["a", "{{ x }}"], "dry_run": {"append": ["--dry-run"]}}
    assert render.render_command(appended, context, dry_run=True) == ["a", "1", "--dry-run"]
    replaced = {"argv": ["a"], "dry_run": {"argv": ["b", "{{ x }}"], "append": []}}
    assert render.render_command(replaced, context, dry_run=True) == ["b", "1"]
    assert render.render_command({"argv": ["a"]}, context, dry_run=True) is None


def test_undefined_names_and_sandbox_escapes_are_refused() -> None:
    with pytest.raises(Invalid) as caught:
        render.render("{{ missing }}", {}, field="argv[1]")
    assert caught.value.field == "argv[1]"
    with pytest.raises(Invalid):
        render.render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {}, field="argv[0]")


def _action(**fields: Any) -> dict[str, Any]:
    return {"id": "a", "title": "A", "kind": "command", "argv": ["x"], **fields}


@pytest.mark.parametrize(
    "fields",
    [
        {"argv": None},
        {"kind": "http"},
        {"reversible": False, "undo": {"action": "b"}},
        {"params": [{"name": "p", "type": "enum"}]},
        {"params": [{"name": "p", "pattern": "("}]},
        {"params": [{"name": "p", "min": 5, "max": 1}]},
        {"params": [{"name": "incident"}]},
        {"params": [{"name": "p"}, {"name": "p"}]},
        {"argv": ["{{ unclosed"]},
        {"reversible": "no"},
    ],
)
def test_bad_definitions_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ActionConfig.model_validate(_action(**fields))


def test_settings_defaults() -> None:
    settings = ActionSettingsConfig()
    assert settings.enabled is True and settings.approval_expiry.total_seconds() == 3600


def test_process_switch_reads_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from warroom.settings import Settings

    monkeypatch.setenv("WARROOM_ACTIONS", "off")
    assert Settings().actions is False


def test_config_check_cross_references(tmp_path: Any) -> None:
    from warroom.config.service import load_directory

    (tmp_path / "a.yaml").write_text(
        """
severities:
  - {key: SEV0, name: Critical, rank: 0}
actions:
  - {id: one, title: One, kind: command, argv: [x], approval: [SEV9]}
  - {id: two, title: Two, kind: command, argv: [x], undo: {action: nowhere}}
  - id: three
    title: Three
    kind: command
    argv: [x]
    undo: {action: four, params: {bogus: "1"}}
  - {id: four, title: Four, kind: command, argv: ["{{ p }}"], params: [{name: p}],
     reversible: false}
"""
    )
    _, problems = load_directory(tmp_path)
    text = "\n".join(problems.lines())
    assert "actions[one].approval: unknown severity 'SEV9'" in text
    assert "actions[one].undo: needs an undo action, or reversible: false" in text
    assert "actions[two].undo.action: unknown action 'nowhere'" in text
    assert "actions[three].undo.params: four has no parameter 'bogus'" in text
    assert "actions[three].undo.params: four needs parameter 'p'" in text


@pytest.mark.parametrize(
    "value",
    [
        "next\x85line",  # NEL: a line break to Python's splitlines and many log viewers
        "esc\x9b31mred",  # CSI: a terminal's escape in one byte, on `warroom action show`
        "line\u2028separator",
        "para\u2029separator",
        "market\u202eDSU-RUE",  # right-to-left override: shows one market, names another
        "isolate\u2066x\u2069",
    ],
)
def test_unicode_line_breaks_controls_and_bidi_overrides_are_refused(value: str) -> None:
    with pytest.raises(Invalid) as caught:
        render.validate_params([TEXT], {"text": value})
    assert caught.value.field == "params.text"
    assert "control characters" in caught.value.message


def test_unicode_text_is_text() -> None:
    for value in ("café", "日本語の障害", "👩\u200d💻 on it", "Störung — Straße"):
        assert render.validate_params([TEXT], {"text": value}) == {"text": value}
