"""A changed escalation policy or severity ladder does not reach an open incident, and the plan
says so.

An incident escalates on the copy of its policy and of its severity's unresolved ladder taken
when it opened (docs/paging.md). Before, `config plan` showed `~ update escalation_policy
atlas: levels[1].notify ...` with no word that INC-1 would go on paging the old levels: a
reviewer expected the CTO to be paged and the lead was. Now the entry carries a warning per
open incident that runs on a copy, and the timeline below shows what does happen.
"""

from __future__ import annotations

from typing import Any

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import ORG, apply, minutes, sender, who, worker
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

__all__ = ["sender"]

CHANGED = ORG.replace(
    "      - notify: [user:lead@atlas.test]\n        escalate_after: 10m",
    "      - notify: [user:cto@atlas.test]\n        escalate_after: 10m",
).replace(
    "{after: 30m, notify: [user:lead@atlas.test]}", "{after: 20m, notify: [user:cto@atlas.test]}"
)
POLICY = (
    "INC-1 escalates on its copy of this policy, taken when it opened: this change does not "
    "reach it (its next levels page as before)"
)
LADDER = (
    "INC-1 runs its copy of this unresolved ladder: this change does not reach it (its next "
    "rungs page as before) unless its severity changes"
)


def _apply(db: Database, clock: FakeClock, text: str, dry_run: bool = False) -> Any:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        result = config_service.apply_document(session, clock, doc, actor="t", dry_run=dry_run)
        if dry_run:
            session.rollback()
    return result


def _warnings(result: Any) -> dict[str, list[str]]:
    return {f"{e.action} {e.kind} {e.identity}": e.warnings for e in result.plan if e.warnings}


def test_a_changed_policy_and_ladder_are_said_not_to_reach_a_running_incident(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    assert CHANGED.count("cto@atlas.test") == ORG.count("cto@atlas.test") + 2
    apply(db, clock, ORG)
    start = clock.now()
    run = worker(db, clock, settings)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    run.run_once()
    assert who([m.url for m in sender.sent]) == ["oncall1-push"]

    clock.set(start + minutes("1m"))
    result = _apply(db, clock, CHANGED)
    assert _warnings(result) == {
        "update severity P0": [LADDER],
        "update escalation_policy atlas": [POLICY],
    }
    assert f"    warning: {POLICY}" in result.plan.detail()

    # What the warnings say: the copies page as before, the lead and not the CTO.
    got = {}
    for at in ("5m", "20m", "30m"):
        seen = len(sender.sent)
        clock.set(start + minutes(at))
        run.run_once()
        got[at] = who([m.url for m in sender.sent[seen:]])
    assert got == {"5m": ["lead-push", "oncall1-mail"], "20m": [], "30m": ["lead-push"]}


def test_an_acknowledged_incident_is_told_only_about_its_ladder(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    apply(db, clock, ORG)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    act(db, clock, "ack", state)  # its policy stopped: the policy's change means nothing to it
    worker(db, clock, settings).run_once()
    result = _apply(db, clock, CHANGED, dry_run=True)
    assert _warnings(result) == {"update severity P0": [LADDER]}


def test_a_change_that_pages_nobody_differently_says_nothing(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    apply(db, clock, ORG)
    act(db, clock, "open P0", {})
    worker(db, clock, settings).run_once()
    renamed = ORG.replace("  - key: atlas\n", "  - key: atlas\n    name: Atlas on-call\n")
    result = _apply(db, clock, renamed, dry_run=True)
    assert [e.line() for e in result.plan] == [
        '~ update escalation_policy atlas: name: "atlas" -> "Atlas on-call"'
    ]
