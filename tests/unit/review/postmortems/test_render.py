"""Postmortem templates and Markdown: the sandbox, the config check at file:line, safe HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.config import service as config_service
from warroom.review.postmortems import render
from warroom.review.postmortems.draft import describe, span
from warroom.review.postmortems.sample import sample_context


def test_the_built_in_template_renders_the_sample_with_every_section() -> None:
    text = render.render_text(render.builtin("postmortem"), sample_context())
    assert len(render.sections(text)) == 14
    assert "| Acknowledged | 2026-01-01 03:47 UTC | 2m | 15m | yes |" in text


def test_a_broken_configured_template_is_reported_at_its_line() -> None:
    _, problems = config_service.load_files(
        {"pm.yaml": "postmortems:\n  template: |\n    # {{ ref }}\n    {{ no_such_name }}\n"}
    )
    assert problems
    [line] = [p for p in problems.lines() if "postmortems.template" in p]
    assert line.startswith("pm.yaml:4:") and "no_such_name" in line


def test_per_severity_templates_name_known_severities() -> None:
    _, problems = config_service.load_files(
        {"pm.yaml": "postmortems:\n  templates:\n    SEV9: '# {{ ref }}'\n"}
    )
    assert any("unknown severity 'SEV9'" in p for p in problems.lines())


def test_the_sandbox_refuses_reaching_into_python() -> None:
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(render.TemplateProblem):
        render.render_text(evil, sample_context())
    # A configured template that breaks at render time falls back to the built-in.
    assert render.render_report(evil, sample_context()).startswith("# Postmortem: INC-42")


@pytest.mark.parametrize(
    ("source", "absent", "present"),
    [
        ("<script>alert(1)</script>", "<script", "&lt;script&gt;"),
        ("[x](javascript:alert(1))", 'href="javascript:', "[x](javascript:alert(1))"),
        ('<a href="https://x.test" onclick="go()">x</a>', "<a href", "&lt;a href"),
        ("![i](data:text/html;base64,PHNjcmlwdD4=)", 'src="data:text/html', "!["),
    ],
)
def test_html_lets_no_raw_html_or_script_links_through(
    source: str, absent: str, present: str
) -> None:
    html = render.to_html(source)
    assert absent not in html and present in html


def test_table_cells_and_spans() -> None:
    assert render.cell("a | b\nc") == "a \\| b c"
    assert span(None) == "" and span(timedelta(seconds=0)) == "0s"
    assert span(timedelta(days=1, minutes=5, seconds=3)) == "1d 5m 3s"
    # The timeline's sentences, texts whole (a report has the room a terminal column has not).
    note = "Provider timeouts since 11:58, first seen on the EU card gateway, then everywhere"
    assert describe("incident:note:added", {"text": note}) == f"note: {note}"
    assert describe("incident:status:resolved", {"from": "mitigated", "to": "resolved"}) == (
        "resolved"
    )
    assert describe("incident:role:assigned", {"role": "scribe", "user_email": "a@x"}) == (
        "a@x is scribe"
    )
