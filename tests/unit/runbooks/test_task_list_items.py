"""GitHub task-list items (`- [ ] Create incident report draft`) are steps without the box.

Before, the step's text kept its `[ ] `: the checklist showed a second, never-ticked box on
every such step (27 of them in the Shadow Atlas document), still reading `[ ]` once done.
"""

from __future__ import annotations

from warroom.runbooks.markdown import parse, render

DOC = """# Post-incident review

**Within 24 hours**:
- [ ] Create incident report draft
- [x] Invite participants to review session
- [X]   Collect timeline data
- [ ]
- [] not a task box
- [ ]not a task box either
1. [ ] Numbered too
   - [ ] @jane: Check database integrity
"""


def test_task_list_boxes_are_dropped_from_step_texts() -> None:
    doc = parse(DOC)
    assert [s.text for s in doc.steps()] == [
        "Create incident report draft",
        "Invite participants to review session",
        "Collect timeline data",
        "[ ]",
        "[] not a task box",
        "[ ]not a task box either",
        "Numbered too",
        "@jane: Check database integrity",
    ]
    assert parse(render(doc)) == doc
