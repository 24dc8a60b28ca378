"""Templates are bounded (warroom.sandbox): a loop too long, an output too large or a value
built too large is a template problem with its line, reported by `config check` in moments
instead of hanging it; at run time a message that would blow up on real text (a template that
passed the check on the short sample) falls back to the built-in. The same bounds hold for
postmortem and action templates."""

from __future__ import annotations

import time

import pytest

from warroom.actions import render as actions_render
from warroom.comms.templates import (
    TemplateProblem,
    Templates,
    check_all,
    render_text,
    sample_context,
)
from warroom.errors import Invalid
from warroom.review.postmortems import render as postmortem_render

NESTED = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
COSTLY = [
    (NESTED, "ran more than 200,000 steps"),
    ("{{ 'a' * 10**9 }}", "1,000,000,000 characters or items"),
    ("{{ [0] * 10**9 }}", "1,000,000,000 characters or items"),
    ("{{ 7 ** 100000000 }}", "too large a number"),
    ("{{ title|center(10**9) }}", "the number 1,000,000,000 is too large"),
    ("{{ title.ljust(10**9) }}", "the number 1,000,000,000 is too large"),
    ("{{ '{:>1000000000}'.format(1) }}", "the number 1,000,000,000 is too large"),
    ("{{ '{0:>{1}}'.format(1, 10**9) }}", "the number 1,000,000,000 is too large"),
    ("{{ '%1000000000d' % 1 }}", "the number 1,000,000,000 is too large"),
    ("{{ (text * 100)|replace('', 'y' * 90000) }}", "characters or items"),
    (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "characters or items",
    ),
    (
        "{% macro f(n) %}{% if n %}{% set s = f(n - 1) %}{{ s ~ s }}{% else %}x{% endif %}"
        "{% endmacro %}{{ f(40)|length }}",
        "characters or items",
    ),
    ("{% for i in range(100000) %}{{ text }}{% endfor %}", "longer than 100,000 characters"),
]


@pytest.mark.parametrize(("source", "says"), COSTLY)
def test_a_costly_template_is_a_problem_on_its_line(source: str, says: str) -> None:
    started = time.process_time()
    with pytest.raises(TemplateProblem) as caught:
        render_text("status_update", "Update:\n" + source, sample_context())
    assert caught.value.key == "status_update" and caught.value.line == 2
    assert says in caught.value.message
    assert time.process_time() - started < 5  # not hours (nor a gigabyte)


def test_config_check_reports_nested_loops_instead_of_hanging() -> None:
    (problem,) = check_all({"reminder": "{{ ref }}\n" + NESTED})
    assert (problem.key, problem.line) == ("reminder", 2)


def test_ordinary_formatting_stays_allowed() -> None:
    source = "{{ '{:,}'.format(123456789) }} {{ '%s'|format(1234567) }} {{ title|wordwrap(30) }}"
    assert render_text("page", source, sample_context()).startswith("123,456,789 1234567 ")


def test_a_message_that_blows_up_on_real_text_falls_back_to_the_builtin() -> None:
    override = "[{{ severity }}] {{ ref }}: {{ text * 500 }}"
    assert check_all({"status_update": override}) == []  # the sample's text is short
    ctx = sample_context() | {"text": "x" * 10_000}
    body = Templates({"status_update": override}).render("status_update", ctx)
    assert body.count("x" * 10_000) == 1 and len(body) < 11_000


def test_postmortem_and_action_templates_are_bounded_too() -> None:
    problem = postmortem_render.check("# Report\n" + NESTED)
    assert problem is not None and problem.line == 2 and "steps" in problem.message
    with pytest.raises(Invalid) as caught:
        actions_render.render("{{ market * 10**9 }}", {"market": "BTC"}, field="argv[1]")
    assert caught.value.field == "argv[1]"
