"""A person covering a shift by override is removed from config: the layers' on-call is on call.

oncall2 covers `atlas-primary` by override tonight; an apply removes oncall2 (users, team,
rotation). Before, the override still won, so a new P0 paged nobody at level 1 and the plan
said nothing about the override. Now an override of a deactivated user does not win: paging,
`warroom oncall` and the plan agree that the layer's on-call (oncall1) covers the shift.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import ORG, apply, sender, who, worker
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.config.document import Plan
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.notify.senders import FakeSender
from warroom.paging import service as paging
from warroom.settings import Settings

__all__ = ["sender"]

WITHOUT_ONCALL2 = (
    ORG.replace(
        "  - email: oncall2@atlas.test\n    name: On-call Two\n"
        '    contact_methods: [{name: push, url: "json://127.0.0.1:9/oncall2-push"}]\n',
        "",
    )
    .replace("members: [oncall1@atlas.test, oncall2@atlas.test]", "members: [oncall1@atlas.test]")
    .replace(
        "participants: [oncall1@atlas.test, oncall2@atlas.test]",
        "participants: [oncall1@atlas.test]",
    )
)


def _remove_oncall2_covering_tonight(db: Database, clock: FakeClock) -> Plan:
    apply(db, clock, ORG)
    with db.session() as session:
        paging.add_override(
            session,
            clock,
            schedule="atlas-primary",
            user="oncall2@atlas.test",
            start=clock.now(),
            end=clock.now() + timedelta(hours=8),
            actor="lead@atlas.test",
        )
    doc, problems = config_service.load_files({"org.yaml": WITHOUT_ONCALL2})
    assert not problems, problems.lines()
    with db.session() as session:
        return config_service.apply_document(session, clock, doc, actor="test").plan


def test_the_layers_on_call_is_paged_and_shown(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: FakeSender,
    cli: Callable[..., Any],
) -> None:
    assert "oncall2" not in WITHOUT_ONCALL2
    _remove_oncall2_covering_tonight(db, clock)
    shown = json.loads(cli("oncall", "--schedule", "atlas-primary", "--json").stdout)
    assert [row["now"]["user"] for row in shown] == ["oncall1@atlas.test"]

    clock.advance(minutes=1)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    worker(db, clock, settings).run_once()
    assert who([m.url for m in sender.sent]) == ["oncall1-push"]
    with db.session() as session:
        incident = incidents.get_incident(session, state["number"])
        wanted = ["paging:page:nobody", "paging:page:queued"]
        events = timeline.events_since(session, incident_id=incident.id, kinds=wanted)
        paged = [(e.kind, e.payload.get("user")) for e in events]
    assert paged == [("paging:page:queued", "oncall1@atlas.test")]


def test_the_plan_lists_the_overrides_of_a_person_it_deactivates(
    db: Database, clock: FakeClock
) -> None:
    plan = _remove_oncall2_covering_tonight(db, clock)
    [entry] = [e for e in plan if e.kind == "user" and e.action == "delete"]
    assert entry.identity == "oncall2@atlas.test"
    warning = (
        "oncall2@atlas.test covers schedule atlas-primary by override until 2026-01-01 20:00 UTC: "
        "that override no longer applies, the schedule's layers say who is on call"
    )
    assert entry.warnings == [warning]
    assert f"    warning: {warning}" in plan.detail()
    assert plan.to_json()[plan.entries.index(entry)]["warnings"] == [warning]
