"""A template that includes, imports or extends another gets words that say what to change, at
its line, and never a file of the server. Before, Jinja's "no loader for this environment
specified" was all `config check` said."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.comms.templates import TemplateProblem, Templates, render_text, sample_context
from warroom.config import service as config_service

REACHING = [
    "{% include 'page.j2' %}",
    "{% import '/etc/hostname' as host %}",
    "{% from 'reminder.j2' import x %}",
    "{% extends '../../settings.py' %}",
    "{% include ['a', 'b'] ignore missing %}",
]
SAYS = "a template cannot include, import or extend another"


@pytest.mark.parametrize("source", REACHING)
def test_another_template_is_refused_with_words_and_a_line(source: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_text("status_update", "{{ ref }} is {{ state }}\n" + source, sample_context())
    assert caught.value.line == 2
    assert SAYS in caught.value.message
    assert "loader" not in caught.value.message


def test_at_run_time_the_built_in_words_the_message_instead() -> None:
    text = Templates({"status_update": "{% include '/etc/hostname' %}"}).render(
        "status_update", sample_context()
    )
    assert "INC-42" in text
    assert Path("/etc/hostname").read_text().strip() not in text.split()


def test_config_check_names_the_file_and_line(tmp_path: Path) -> None:
    config = (
        "severities:\n  - {key: SEV1, name: Major}\n"
        "templates:\n  status_update: |\n    {{ ref }}\n    {% include 'page.j2' %}\n"
    )
    (tmp_path / "org.yaml").write_text(config)
    lines = config_service.check_directory(tmp_path)
    said = "org.yaml:6: templates.status_update: template line 2: " + SAYS
    assert any(said in line for line in lines), lines
