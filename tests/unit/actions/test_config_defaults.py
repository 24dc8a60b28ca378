"""A parameter's default passes the checks a typed value passes, at config check.

A run that leaves a parameter out got its default as written, unchecked: `halt-trading` with
`{name: scope, type: enum, values: [all, spot, derivatives], default: everything}` passed
`config check` and sent `{"scope": "everything"}` to the matching engine at the first run
that relied on the default (examples/exchange with one word changed)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from warroom.actions.config import ActionConfig


def action(param: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "halt-trading",
        "title": "Halt trading",
        "kind": "command",
        "argv": ["halt", "{{ scope }}"],
        "params": [{"name": "scope", "required": False, **param}],
        "reversible": False,
    }


@pytest.mark.parametrize(
    ("param", "words"),
    [
        ({"type": "enum", "values": ["all", "spot"], "default": "everything"}, "one of all, spot"),
        ({"pattern": "[a-z]+-[a-z]+", "default": "BTC_USD"}, "must match"),
        ({"default": "--all"}, "must not start with '-'"),
        ({"default": "x" * 201}, "1 to 200 characters"),
        ({"default": "spot\nall"}, "control characters"),
        ({"default": 5}, "must be text"),
        ({"type": "integer", "min": 1, "max": 10, "default": 50}, "between 1 and 10"),
        ({"type": "integer", "default": -1}, "must not start with '-'"),
        ({"type": "integer", "default": "five"}, "must be an integer"),
    ],
)
def test_a_default_its_own_parameter_refuses_is_refused(param: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match="default .* is refused: .*" + words):
        ActionConfig.model_validate(action(param))


@pytest.mark.parametrize(
    "param",
    [
        {"type": "enum", "values": ["all", "spot"], "default": "all"},
        {"pattern": "[a-z]+-[a-z]+", "default": "btc-usd"},
        {"default": "-all", "allow_leading_dash": True},
        {"type": "integer", "min": -5, "max": 10, "default": -1},
        {"type": "integer", "default": "7"},
        {"type": "enum", "values": ["all", "spot"]},
    ],
)
def test_a_default_its_parameter_accepts_is_kept(param: dict[str, Any]) -> None:
    config = ActionConfig.model_validate(action(param))
    assert config.params[0].default == param.get("default")
