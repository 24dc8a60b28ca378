"""Runbook Markdown edge cases: a UTF-8 BOM, non-ASCII headings, trailing spaces kept by render."""

from __future__ import annotations

import pytest

from warroom.runbooks.document import RunbookDoc, Section
from warroom.runbooks.markdown import RunbookError, parse, render, slug
from warroom.runbooks.split import split

BOM = "\ufeff"


def test_a_bom_before_the_title_heading_keeps_the_title() -> None:
    doc = parse(BOM + "# Database failover\n\n## Mitigation\n1. Promote the replica\n")
    assert (doc.title, doc.id) == ("Database failover", "database-failover")
    assert [s.title for s in doc.sections] == ["Mitigation"]
    assert [s.text for s in doc.steps()] == ["Promote the replica"]


def test_a_bom_before_an_only_heading_and_steps_is_a_runbook() -> None:
    doc = parse(BOM + "# Database failover\n\n1. Promote\n")
    assert (doc.title, doc.id) == ("Database failover", "database-failover")
    assert [s.text for s in doc.steps()] == ["Promote"]


def test_a_bom_before_front_matter_reads_it() -> None:
    doc = parse(BOM + "---\nid: dbf\n---\n# Database failover\n\n- Promote\n")
    assert (doc.title, doc.id) == ("Database failover", "dbf")


def test_a_non_ascii_title_derives_an_ascii_id() -> None:
    doc = parse("# Störung der Datenbank\n\n- a\n")
    assert (doc.title, doc.id) == ("Störung der Datenbank", "storung-der-datenbank")
    assert slug("Ärger mit Façade") == "arger-mit-facade"
    assert slug("Störung — Straße") == "storung-strasse"
    assert slug("Data—Source: Outage") == "data-source-outage"
    assert slug("障害対応") == "runbook"
    assert parse("# 障害対応\n\n- a\n").id == "runbook"


def test_split_derives_ascii_ids_from_non_ascii_headings() -> None:
    text = (
        "---\nid: ops\ntitle: Ops\n---\n# Ops\n\n- intro\n\n"
        "## Störung Datenbank\n\nSymptoms:\n\n- x\n\nActions:\n\n- y\n\n"
        "## 障害対応\n\nSymptoms:\n\n- z\n\nActions:\n\n- w\n"
    )
    pieces = split(parse(text))
    assert [(p.id, p.title) for p in pieces] == [
        ("ops", "Ops"),
        ("storung-datenbank", "Störung Datenbank"),
        ("runbook", "障害対応"),
    ]


def test_a_title_from_a_heading_that_cannot_be_one_names_the_heading() -> None:
    heading = "Very long " * 40
    with pytest.raises(RunbookError) as caught:
        parse(f"# {heading}\n\n- a\n")
    assert str(caught.value) == (
        f"the heading {heading.strip()[:60] + '…'!r} cannot be a runbook title: "
        "String should have at most 300 characters"
    )
    with pytest.raises(RunbookError, match="front matter title"):
        parse(f"---\ntitle: {heading}\n---\n- a\n")


def test_split_refuses_a_heading_that_cannot_be_a_runbook_title_by_name() -> None:
    heading = "Very long " * 40
    doc = RunbookDoc(
        id="ops",
        title="Ops",
        sections=[
            Section(nodes=parse("# Ops\n\n- intro\n").sections[0].nodes),
            *parse(f"# Ops\n\n## {heading}\n\nSymptoms:\n\n- x\n").sections,
        ],
    )
    with pytest.raises(RunbookError, match="the heading 'Very long Very long"):
        split(doc)


def test_render_keeps_a_hard_line_break_inside_a_list_item() -> None:
    doc = parse("# T\n\n- connect to the primary  \n  then run the check\n")
    assert doc.sections[0].nodes[0].text == "connect to the primary  \nthen run the check"
    again = parse(render(doc))
    assert again == doc
    assert again.sections[0].nodes[0].text == "connect to the primary  \nthen run the check"


def test_render_keeps_trailing_spaces_inside_a_command_of_a_list_item() -> None:
    code = "cat <<'EOF' > /etc/x.conf\nkey=value  \n\n   \nEOF\n"
    fenced = "".join(f"  {line}\n" if line else "\n" for line in code.splitlines())
    doc = parse("# T\n\n- write the config\n\n  ```\n" + fenced + "  ```\n")
    assert doc.step(2).code == code
    again = parse(render(doc))
    assert again.step(2).code == code
    assert again == doc
    assert "\n\n" in render(doc) and " \n\n" not in render(doc).split("```")[0]


def test_render_keeps_hard_breaks_in_nested_steps() -> None:
    text = "# T\n\n1. outer  \n   still outer\n   - inner  \n     still inner\n"
    doc = parse(text)
    assert parse(render(doc)) == doc
    assert doc.step(2).text == "inner  \nstill inner"


def _nested(depth: int) -> str:
    return "".join("  " * i + f"- level {i}\n" for i in range(depth))


def test_lists_nested_too_deeply_are_refused_naming_the_line_not_cut() -> None:
    """markdown-it stops reading inside a list at its nesting limit, and a list item's inside
    runs to the list's end: the sections after it were dropped without a word (a runbook
    whose Mitigation section vanished on import)."""
    front = "---\ntitle: Deep\n---\n# Deep\n\n"
    after = "\n## Mitigation\n\n- Promote the replica\n"
    kept = parse(front + _nested(9) + after)
    assert [s.title for s in kept.sections if s.title] == ["Mitigation"]
    assert [s.text for s in kept.steps()][-1] == "Promote the replica"
    with pytest.raises(RunbookError) as caught:
        parse(front + _nested(12) + after)
    assert str(caught.value).startswith("line 15: lists and quotes are nested too deeply")


def test_quotes_nested_too_deeply_are_refused() -> None:
    assert parse("# Q\n\n" + "> " * 19 + "kept\n").sections[0].nodes[0].text == "kept"
    with pytest.raises(RunbookError, match=r"^line 3: lists and quotes"):
        parse("# Q\n\n" + "> " * 20 + "lost\n")


def test_a_front_matter_title_that_is_a_list_is_refused_not_printed() -> None:
    """`title: [a, b]` made the runbook "['a', 'b']" (id a-b); a number is still text."""
    for written in ("[Failover, DB]", "{name: Failover}"):
        with pytest.raises(RunbookError, match="front matter title: must be text"):
            parse(f"---\ntitle: {written}\n---\n- a\n")
    assert parse("---\ntitle: 404\n---\n- a\n").title == "404"


def test_a_front_matter_title_of_several_lines_is_refused() -> None:
    """`title: |` with two lines parsed, but render wrote it as a heading and a paragraph:
    imported again, the runbook had a new section and a different document."""
    with pytest.raises(RunbookError, match="front matter title: must be one line"):
        parse("---\ntitle: |\n  Line one\n  line two\n---\n- a\n")
    folded = parse("---\ntitle: >\n  Line one\n  line two\n---\n- a\n")
    assert folded.title == "Line one line two" and parse(render(folded)) == folded


def test_a_command_is_named_by_the_line_that_introduces_it() -> None:
    """examples/oracle's "Quick Commands": 'Scale submitter down:' then its code block made a
    checklist step shown as a bare '61.' over the code; the step now reads as the line."""
    text = (
        "# Ops\n\n## Quick commands\n\nThese are examples.\n\nScale submitter down:\n\n"
        "```bash\nkubectl scale deploy/submitter --replicas=0\n```\n\n"
        "Mitigation:\n\n```bash\nkubectl rollout undo deploy/api\n```\n\n"
        "```bash\nkubectl get pods\n```\n"
    )
    doc = parse(text, default_id="ops")
    commands = [(s.text, s.code.strip()) for s in doc.steps() if s.kind == "command"]
    assert commands == [
        ("Scale submitter down:", "kubectl scale deploy/submitter --replicas=0"),
        ("", "kubectl rollout undo deploy/api"),  # a section marker names no command
        ("", "kubectl get pods"),  # nothing introduces it
    ]
    rendered = render(doc)
    assert rendered.count("Scale submitter down:") == 1  # the paragraph is kept, once
    assert render(parse(rendered, default_id="ops")) == rendered
