"""A schedule change that changes who is on call right now says so in the plan.

Removing the person on call from a rotation (or reordering it, or moving its start) hands the
pager to someone else the moment the apply commits. Before, the plan only read
`layers[0].participants: [ann, bob] → [bob, cat]`: nothing said that ann, on call, would stop
being paged and bob would start. Now the entry warns `who is on call now changes at once:
ann@example.com → bob@example.com`; a change that keeps the same person on call says nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database

ORG = """\
users:
  - {email: ann@example.com, name: Ann, role: admin}
  - {email: bob@example.com, name: Bob}
  - {email: cat@example.com, name: Cat}
schedules:
  - key: primary
    layers:
      - name: daily
        participants: [ann@example.com, bob@example.com]
        shift: daily
        start: "2026-01-01"
        handoff: "09:00"
"""


def _plan(db: Database, clock: FakeClock, text: str, dry_run: bool = True) -> list[str]:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        result: Any = config_service.apply_document(session, clock, doc, actor="t", dry_run=dry_run)
        if dry_run:
            session.rollback()
    return [line for e in result.plan if e.kind == "schedule" for line in e.detail()]


def test_removing_the_person_on_call_is_said(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))  # day 0 of the rotation: ann
    _plan(db, clock, ORG, dry_run=False)
    without_ann = ORG.replace(
        "[ann@example.com, bob@example.com]", "[bob@example.com, cat@example.com]"
    )
    assert _plan(db, clock, without_ann) == [
        "~ update schedule primary",
        '    layers[0].participants: ["ann@example.com", "bob@example.com"] → '
        '["bob@example.com", "cat@example.com"]',
        "    warning: who is on call now changes at once: ann@example.com → bob@example.com",
    ]
    # Ann stays on call: a third person joins after her turn.
    joined = ORG.replace("bob@example.com]", "bob@example.com, cat@example.com]")
    assert _plan(db, clock, joined) == [
        "~ update schedule primary",
        '    layers[0].participants: ["ann@example.com", "bob@example.com"] → '
        '["ann@example.com", "bob@example.com", "cat@example.com"]',
    ]
    # A start moved to tomorrow leaves nobody on call until then.
    later = ORG.replace('start: "2026-01-01"', 'start: "2026-01-02"')
    assert _plan(db, clock, later)[-1] == (
        "    warning: who is on call now changes at once: ann@example.com → nobody"
    )
