"""An integer parameter's negative value starts with '-' too: `kill {{ pid }}` with pid -1
signals every process the worker may signal, `tool {{ n }}` with -5 reads an option. It is
refused like a string's leading dash, unless the parameter declares a negative `min` or
`allow_leading_dash: true`."""

from __future__ import annotations

from typing import Any

import pytest

from warroom.actions import render
from warroom.errors import Invalid

PID = {"name": "pid", "type": "integer"}


@pytest.mark.parametrize("value", [-1, "-1", "-9", -(10**6)])
def test_a_negative_integer_without_a_negative_min_is_refused(value: Any) -> None:
    with pytest.raises(Invalid) as caught:
        render.validate_params([PID], {"pid": value})
    assert caught.value.field == "params.pid"
    assert "must not start with '-'" in str(caught.value)


@pytest.mark.parametrize(
    "spec",
    [{**PID, "min": -10}, {**PID, "allow_leading_dash": True}],
)
def test_a_negative_integer_can_be_declared(spec: dict[str, Any]) -> None:
    assert render.validate_params([spec], {"pid": "-5"}) == {"pid": -5}


def test_zero_and_positive_integers_pass() -> None:
    assert render.validate_params([PID], {"pid": "0"}) == {"pid": 0}
    assert render.validate_params([PID], {"pid": 4242}) == {"pid": 4242}
