"""The draft lists the mitigations and actions run on the incident (through the real runner)
and the incident's action items (the action items part of the review)."""

from __future__ import annotations

from tests.integration.review.postmortems.org import act, apply, open_incident, org, run_due
from warroom.actions import service as actions
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.review.action_items import service as action_items
from warroom.review.postmortems import service as postmortems
from warroom.settings import Settings

ACTIONS = """\
action_settings:
  enabled: true
actions:
  - id: note-it
    title: Write a | note
    kind: command
    argv: [echo, "{{ text }}"]
    params: [{name: text, type: string, max_length: 100}]
    reversible: false
"""


def test_actions_run_and_action_items_are_in_the_draft(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    apply(db, clock, org(ACTIONS))
    number = open_incident(db, clock)
    clock.advance(minutes=3)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        actions.request_run(
            session, clock, incident, action="note-it", params={"text": "hello"},
            actor="resp@corp.test", switch=True,
        )  # fmt: skip
    run_due(Worker(db, clock, settings, "pm-actions"))
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        action_items.create(
            session, clock, incident, title="Alert on provider timeouts", owner="oncall@corp.test",
            impact="high", effort="low", actor="ic@corp.test",
        )  # fmt: skip
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None
        text = postmortems.markdown_of(session, incident, pm)
    actions_part = text.split("## Mitigations and actions")[1].split("## Hypotheses")[0]
    assert "| 2026-01-01 12:03 UTC | Write a \\| note | succeeded | resp@corp.test |" in (
        actions_part
    )
    items = text.split("## Action items")[1]
    assert "| Alert on provider timeouts | oncall@corp.test | P0 |" in items
    assert "_To fill in._" not in items
