"""Raising the severity of an unacknowledged incident switches paging to the new severity's
escalation policy at once (level 1 paged, the switch on the timeline); an acknowledged incident
keeps its responder, and lowering never switches to a lesser policy.

Timelines on a FakeClock through the real worker and a fake sender (both databases).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.paging.test_escalation_timelines import Row, play
from tests.integration.paging.test_severity_change_ladder import recorded
from tests.integration.paging.world import ORG, sender
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.paging import service as paging
from warroom.settings import Settings

__all__ = ["sender"]

# The API's P0 pages atlas-p0 (the CTO with the on-call, then the lead); its P1 pages atlas-p1
# (on-call two); every other severity the service's atlas (the on-call, then the lead).
POLICIES = """\
  - key: atlas-p0
    levels:
      - notify: [user:cto@atlas.test, schedule:atlas-primary]
        escalate_after: 5m
      - notify: [user:lead@atlas.test]
        escalate_after: 5m
  - key: atlas-p1
    levels:
      - notify: [user:oncall2@atlas.test]
        escalate_after: 5m
services:
"""
BY_SEVERITY = (
    ORG.replace(
        "    escalation_policy: atlas\n",
        "    escalation_policy: atlas\n    escalation_policies: {P0: atlas-p0, P1: atlas-p1}\n",
    )
    .replace("services:\n", POLICIES)
    .replace("  - key: P2\n", "  - key: P1\n    name: High\n  - key: P2\n")
)

# name: (rows, the policies the timeline says were planned, in order, the policy at the end)
CASES: dict[str, tuple[list[Row], list[str], str]] = {
    "raised to P0 unacknowledged: the P0 policy pages its level 1 at once": (
        [
            ("0m", "open P2", {"oncall1-push"}),  # atlas level 1
            ("1m", "severity P0", {"cto-push", "oncall1-push"}),  # atlas-p0 level 1
            ("2m", "", set()),  # the first page's mail rule: that escalation is over
            ("3m", "", {"oncall1-mail"}),  # the second page's mail rule
            ("5m", "", set()),  # atlas's level 2 does not come
            ("6m", "", {"lead-push"}),  # atlas-p0 level 2
            ("11m", "", set()),  # atlas-p0 exhausted
            ("30m", "", {"lead-push"}),  # P0's ladder, counted from the opening
            ("60m", "", {"cto-push"}),
        ],
        ["atlas", "atlas-p0"],
        "atlas-p0",
    ),
    "raised after the P2 policy was exhausted: the P0 policy pages": (
        [
            ("0m", "open P2", {"oncall1-push"}),
            ("2m", "", {"oncall1-mail"}),
            ("5m", "", {"lead-push"}),
            ("15m", "", set()),  # atlas exhausted, nobody acknowledged
            ("20m", "severity P0", {"cto-push", "oncall1-push"}),
            ("22m", "", {"oncall1-mail"}),
            ("25m", "", {"lead-push"}),
        ],
        ["atlas", "atlas-p0"],
        "atlas-p0",
    ),
    "acknowledged, then raised: the responder keeps it, the P0 ladder pages": (
        [
            ("0m", "open P2", {"oncall1-push"}),
            ("1m", "ack", set()),
            ("2m", "severity P0", set()),
            ("6m", "", set()),
            ("30m", "", {"lead-push"}),
        ],
        ["atlas"],
        "atlas",
    ),
    "lowered unacknowledged: the P0 policy goes on": (
        [
            ("0m", "open P0", {"cto-push", "oncall1-push"}),
            ("1m", "severity P2", set()),
            ("2m", "", {"oncall1-mail"}),
            ("5m", "", {"lead-push"}),  # atlas-p0 level 2
        ],
        ["atlas-p0"],
        "atlas-p0",
    ),
    "lowered and raised back: level 1 is not paged again": (
        [
            ("0m", "open P0", {"cto-push", "oncall1-push"}),
            ("1m", "severity P2", set()),
            ("1.5m", "severity P0", set()),
            ("2m", "", {"oncall1-mail"}),
            ("5m", "", {"lead-push"}),
        ],
        ["atlas-p0"],
        "atlas-p0",
    ),
    "lowered to P2, then raised to P1: still not a lesser policy than P0's": (
        [
            ("0m", "open P0", {"cto-push", "oncall1-push"}),
            ("1m", "severity P2", set()),
            ("1.5m", "severity P1", set()),  # atlas-p1 would page oncall2
            ("2m", "", {"oncall1-mail"}),
            ("5m", "", {"lead-push"}),
        ],
        ["atlas-p0"],
        "atlas-p0",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_paging_follows_a_raise(
    name: str, db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    rows, planned, policy = CASES[name]
    play(db, clock, settings, sender, BY_SEVERITY, rows)
    assert [p["policy"] for _, p in recorded(db, "paging:escalation:planned")] == planned
    with db.session() as session:
        assert paging.escalation_of(session, 1).policy_key == policy


def test_the_switch_is_on_the_timeline(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    rows = CASES["raised to P0 unacknowledged: the P0 policy pages its level 1 at once"][0]
    play(db, clock, settings, sender, BY_SEVERITY, rows[:2])
    events = recorded(db, "paging:escalation:planned", "paging:escalation:triggered")
    (kind, switch), (_, paged) = events[-2:]
    assert (kind, switch["policy"], switch["replaces"]) == (
        "paging:escalation:planned",
        "atlas-p0",
        "atlas",
    )
    assert switch["reason"] == "severity raised to P0"
    assert (paged["policy"], paged["level"]) == ("atlas-p0", 1)
    assert timeline.sentence(kind, switch) == "paging by policy atlas-p0 (2 levels)"
