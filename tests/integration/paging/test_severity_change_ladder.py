"""A severity change re-plans the unresolved ladder, but a rung that already paged for the
incident (same delay, same targets) is not paged again, whichever severity it fired under.

Timelines on a FakeClock through the real worker and a fake sender (both databases).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.paging.test_escalation_timelines import Row, play
from tests.integration.paging.world import ORG, sender
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.paging import service as paging
from warroom.settings import Settings

__all__ = ["sender"]

UNRESOLVED = "paging:escalation:unresolved"

# P1 sits between P0 and P2; its 30-minute rung is the P0's (the lead), with no 1-hour rung.
WITH_P1 = ORG.replace(
    "  - key: P2\n",
    "  - key: P1\n    name: High\n    escalate_while_unresolved:\n"
    "      - {after: 30m, notify: [user:lead@atlas.test]}\n  - key: P2\n",
)


def recorded(db: Database, *kinds: str) -> list[tuple[str, dict[str, Any]]]:
    """(kind, payload) of INC-1's timeline events of these kinds, oldest first."""
    with db.session() as session:
        incident = incidents.get_incident(session, 1)
        events = timeline.events_since(session, incident_id=incident.id, kinds=list(kinds))
        return [(e.kind, dict(e.payload)) for e in events]


def _rungs_paged(db: Database) -> list[tuple[str, int, list[str]]]:
    return [(p["severity"], p["after_s"], p["targets"]) for _, p in recorded(db, UNRESOLVED)]


LEAD, CTO = ["user:lead@atlas.test"], ["user:cto@atlas.test"]

# name: (config, rows, the rungs the timeline says paged: (severity, after_s, targets))
CASES: dict[str, tuple[str, list[Row], list[tuple[str, int, list[str]]]]] = {
    "lowered to P2 and raised back: the fired 30m rung is not paged again": (
        ORG,
        [
            ("0m", "open P0", {"oncall1-push"}),
            ("1m", "ack", set()),
            ("30m", "", {"lead-push"}),  # P0's 30-minute rung
            ("35m", "severity P2", set()),  # P2 has no ladder
            ("36m", "severity P0", set()),  # the 30-minute rung already paged the lead
            ("59m", "", set()),
            ("60m", "", {"cto-push"}),  # the 1-hour rung, never fired, still comes
            ("120m", "", set()),
        ],
        [("P0", 1800, LEAD), ("P0", 3600, CTO)],
    ),
    "raised to P0 after P1's same rung paged: not again, P0's own rung comes": (
        WITH_P1,
        [
            ("0m", "open P1", {"oncall1-push"}),
            ("1m", "ack", set()),
            ("30m", "", {"lead-push"}),  # P1's 30-minute rung
            ("40m", "severity P0", set()),  # P0's 30-minute rung is the same one
            ("59m", "", set()),
            ("60m", "", {"cto-push"}),
        ],
        [("P1", 1800, LEAD), ("P0", 3600, CTO)],
    ),
    "rungs fired before a resolution do not count after the reopening": (
        ORG,
        [
            ("0m", "open P0", {"oncall1-push"}),
            ("1m", "ack", set()),
            ("30m", "", {"lead-push"}),
            ("31m", "resolve", set()),
            ("40m", "reopen", set()),
            ("41m", "severity P2", set()),
            ("42m", "severity P0", set()),
            ("69m", "", set()),
            ("70m", "", {"lead-push"}),  # 30 minutes after the reopening
        ],
        [("P0", 1800, LEAD), ("P0", 1800, LEAD)],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_rung_pages_once(
    name: str, db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    org, rows, rungs = CASES[name]
    play(db, clock, settings, sender, org, rows)
    assert _rungs_paged(db) == rungs


def test_the_fired_rungs_are_the_new_ladders(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    """After the raise back, the escalation state (incident API, `incident show`) counts P0's
    30-minute rung as fired: the next rung it shows is the CTO's."""
    org, rows, _ = CASES["lowered to P2 and raised back: the fired 30m rung is not paged again"]
    play(db, clock, settings, sender, org, rows[:5])
    with db.session() as session:
        assert paging.escalation_of(session, 1).ladder_fired == [0]
