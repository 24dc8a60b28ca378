"""An action template that fails while rendering with a plain Python error (an integer
parameter added to text, a division by zero) is a 422 naming the template's field, like a
missing name, not a 500 for the responder who asked for the run."""

from __future__ import annotations

import pytest

from warroom.actions.render import render
from warroom.errors import Invalid


@pytest.mark.parametrize(
    "template",
    ["{{ replicas + 'x' }}", "{{ 1 / replicas }}", "{% for i in range(10**9) %}{% endfor %}"],
)
def test_a_runtime_error_is_invalid_naming_the_field(template: str) -> None:
    with pytest.raises(Invalid) as caught:
        render(template, {"replicas": 0}, field="argv[3]")
    assert caught.value.field == "argv[3]"


def test_a_good_template_renders_one_argument() -> None:
    assert (
        render("--replicas={{ replicas + 1 }}", {"replicas": 2}, field="argv[1]") == "--replicas=3"
    )
