"""The communications lead is removed from config while the incident is open.

The 25m reminder of a due internal update goes to the first role somebody holds. A holder
deactivated by an apply can be reached by nobody; before, they still counted, so the reminder
recorded `comms:cadence:nobody` though the commander holds the incident. Now only active users
hold a role for this choice: the commander is reminded.
"""

from __future__ import annotations

from typing import Any

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import ORG, apply, minutes, sender, who, worker
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import roles
from warroom.incidents import service as incidents
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

__all__ = ["sender"]

COMMS = (
    "  - email: comms@atlas.test\n    name: Comms\n"
    '    contact_methods: [{name: push, url: "json://127.0.0.1:9/comms-push"}]\n'
)
WITH_COMMS = ORG.replace(
    "    acknowledge_within: 5m\n", "    acknowledge_within: 5m\n    internal_update_every: 30m\n"
).replace("  - email: cto@atlas.test\n", COMMS + "  - email: cto@atlas.test\n")
WITHOUT_COMMS = WITH_COMMS.replace(COMMS, "")


def test_reminder_skips_a_deactivated_comms_lead(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    assert WITH_COMMS.count("comms@") == 1 and "comms@" not in WITHOUT_COMMS
    apply(db, clock, WITH_COMMS)
    start = clock.now()
    run = worker(db, clock, settings)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    act(db, clock, "ack", state)
    with db.session() as session:
        incident = incidents.get_incident(session, state["number"])
        for role, email in (("communications_lead", "comms"), ("incident_commander", "lead")):
            roles.assign_role(
                session,
                clock,
                incident,
                role=role,
                user_email=f"{email}@atlas.test",
                actor="lead@atlas.test",
            )
    run.run_once()
    clock.set(start + minutes("5m"))
    apply(db, clock, WITHOUT_COMMS)
    run.run_once()
    seen = len(sender.sent)
    clock.set(start + minutes("25m"))
    run.run_once()
    assert who([m.url for m in sender.sent[seen:]]) == ["lead-push"]
    with db.session() as session:
        incident = incidents.get_incident(session, state["number"])
        kinds = ["comms:cadence:nobody", "comms:cadence:reminded"]
        events = timeline.events_since(session, incident_id=incident.id, kinds=kinds)
        said = [(e.kind, e.payload["targets"]) for e in events]
    assert said == [("comms:cadence:reminded", ["user:lead@atlas.test"])]
