"""A document that opens with a Markdown rule (`---`, then a blank line) is a runbook like any
other, not front matter that fails ("front matter must be a mapping"); front matter starts on
the line after its `---`, and a block that is not one says how to write a rule."""

from __future__ import annotations

import pytest

from warroom.runbooks.markdown import RunbookError, parse, render

RULED = """---

# DB failover

1. Check replica lag
2. Promote the replica

---

## Afterwards

- Tell the team
"""


def test_a_document_opening_with_a_rule_keeps_its_title_and_steps() -> None:
    doc = parse(RULED)
    assert (doc.id, doc.title) == ("db-failover", "DB failover")
    assert [s.text for s in doc.steps()] == [
        "Check replica lag",
        "Promote the replica",
        "Tell the team",
    ]
    assert parse(render(doc)) == doc


def test_text_right_after_the_opening_dashes_is_front_matter_that_says_how_to_fix_it() -> None:
    with pytest.raises(RunbookError, match="if the first --- is a rule, put a blank line after"):
        parse("---\n# DB failover\n1. Check replica lag\n---\n- Tell the team\n")
    assert parse("---\nid: dbf\n---\n# DB failover\n\n- Promote\n").id == "dbf"
