"""A template that fails while rendering with a plain Python error (not a Jinja one) is a
template problem: `config check` reports it with its line, and at run time a broken override
falls back to the built-in instead of failing the page it was meant to word."""

from __future__ import annotations

import pytest

from warroom.comms.templates import (
    TemplateProblem,
    Templates,
    check_all,
    render_text,
    sample_context,
)

BROKEN = [
    "{{ 1 / 0 }}",  # ZeroDivisionError
    "{{ title + 1 }}",  # TypeError
    "{% for x in range(99999999) %}{{ x }}{% endfor %}",  # the sandbox's OverflowError
]


@pytest.mark.parametrize("source", BROKEN)
def test_a_runtime_error_is_a_template_problem(source: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_text("page", "line one\n" + source, sample_context())
    assert caught.value.key == "page"
    assert caught.value.line == 2


def test_config_check_reports_it_instead_of_crashing() -> None:
    problems = check_all({"status_update": "{{ 1 / 0 }}"})
    assert [p.key for p in problems] == ["status_update"]
    assert "division" in problems[0].message


def test_a_broken_override_falls_back_to_the_builtin_at_run_time() -> None:
    ctx = sample_context()
    text = Templates({"page": "{% if severity == 'SEV1' %}{{ 1 / 0 }}{% endif %}"}).render(
        "page", ctx
    )
    assert "INC-42" in text
