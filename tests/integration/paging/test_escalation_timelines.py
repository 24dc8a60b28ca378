"""Escalation as timelines on a FakeClock, run through the real worker and a fake sender.

Each row: at time t, do an action (or nothing), run the worker, and expect exactly these
contact methods to have received a page since the previous row.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.paging.world import ORG, apply, minutes, sender, who, worker
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.paging import service as paging  # noqa: F401  (subscribes to incident events)
from warroom.settings import Settings

__all__ = ["sender"]

Row = tuple[str, str, set[str]]

TIMELINES: dict[str, list[Row]] = {
    "nobody acks": [
        ("0m", "open P0", {"oncall1-push"}),
        ("2m", "", {"oncall1-mail"}),  # oncall1's second notification rule
        ("4.9m", "", set()),
        ("5m", "", {"lead-push"}),  # level 2
        ("15m", "", set()),  # policy exhausted (no repeat)
        ("30m", "", {"lead-push"}),  # P0 unresolved 30 min -> tech lead
        ("59m", "", set()),
        ("60m", "", {"cto-push"}),  # P0 unresolved 1 h -> CTO
        ("120m", "", set()),
    ],
    "ack at 6m stops acknowledgement escalation, not the unresolved ladder": [
        ("0m", "open P0", {"oncall1-push"}),
        ("2m", "", {"oncall1-mail"}),
        ("5m", "", {"lead-push"}),
        ("6m", "ack", set()),
        ("15m", "", set()),
        ("30m", "", {"lead-push"}),
        ("45m", "resolve", set()),
        ("60m", "", set()),
    ],
    "ack at 1m also stops the person's later notification rules": [
        ("0m", "open P0", {"oncall1-push"}),
        ("1m", "ack", set()),
        ("2m", "", set()),
        ("5m", "", set()),
        ("30m", "", {"lead-push"}),
    ],
    "resolve stops everything": [
        ("0m", "open P0", {"oncall1-push"}),
        ("1.5m", "resolve", set()),
        ("2m", "", set()),
        ("5m", "", set()),
        ("30m", "", set()),
        ("60m", "", set()),
    ],
    "lowering to P2 removes the ladder": [
        ("0m", "open P0", {"oncall1-push"}),
        ("1m", "ack", set()),
        ("10m", "severity P2", set()),
        ("30m", "", set()),
        ("60m", "", set()),
    ],
    "raising to P0 at 40m fires the overdue 30m rung at once": [
        ("0m", "open P2", {"oncall1-push"}),
        ("1m", "ack", set()),
        ("40m", "severity P0", {"lead-push"}),
        ("59m", "", set()),
        ("60m", "", {"cto-push"}),
    ],
    "reopening restarts the unresolved ladder from the reopen": [
        ("0m", "open P0", {"oncall1-push"}),
        ("1m", "ack", set()),
        ("2m", "resolve", set()),
        ("10m", "reopen", set()),
        ("30m", "", set()),
        ("40m", "", {"lead-push"}),
        ("70m", "", {"cto-push"}),
    ],
    "the next day the other person is on call": [
        ("1300m", "open P0", {"oncall2-push"}),  # 2026-01-02 09:40 UTC: oncall2's shift
        ("1305m", "", {"lead-push"}),
    ],
}


def act(db: Database, clock: FakeClock, action: str, state: dict[str, Any]) -> None:
    if not action:
        return
    with db.session() as session:
        verb, _, arg = action.partition(" ")
        if verb == "open":
            incident = incidents.open_incident(
                session, clock, actor="am", title="API down", severity=arg, services=["api"]
            )
            session.flush()
            state["number"] = incident.number
            return
        incident = incidents.get_incident(session, state["number"])
        if verb == "ack":
            incidents.acknowledge(session, clock, incident, actor="oncall1@atlas.test")
        elif verb == "resolve":
            incidents.resolve(session, clock, incident, actor="oncall1@atlas.test")
        elif verb == "reopen":
            incidents.reopen(session, clock, incident, actor="lead@atlas.test")
        elif verb == "severity":
            incidents.change_severity(
                session, clock, incident, severity=arg, reason="test", actor="lead@atlas.test"
            )
        else:  # pragma: no cover
            raise AssertionError(action)


def play(
    db: Database, clock: FakeClock, settings: Settings, sender: Any, org: str, rows: list[Row]
) -> None:
    apply(db, clock, org)
    start = clock.now()
    run = worker(db, clock, settings)
    state: dict[str, Any] = {}
    seen = 0
    for at, action, expected in rows:
        clock.set(start + minutes(at))
        act(db, clock, action, state)
        run.run_once()
        got = who([m.url for m in sender.sent[seen:]])
        seen = len(sender.sent)
        assert got == sorted(expected), f"at t={at} ({action or 'no action'})"


@pytest.mark.parametrize("name", list(TIMELINES))
def test_timeline(
    name: str, db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    play(db, clock, settings, sender, ORG, TIMELINES[name])


# The policy once more after its last level, and a team as a target (its schedule's on-call).
REPEATING = ORG.replace(
    "  - key: atlas\n    levels:", "  - key: atlas\n    repeat: 1\n    levels:"
).replace("notify: [schedule:atlas-primary]", "notify: [team:sre]")


def test_repeat_and_team_target(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    assert "repeat: 1" in REPEATING and "team:sre" in REPEATING
    rows: list[Row] = [
        ("0m", "open P2", {"oncall1-push"}),  # team:sre -> whoever is on call in its schedule
        ("2m", "", {"oncall1-mail"}),
        ("5m", "", {"lead-push"}),
        ("15m", "", {"oncall1-push"}),  # round 2
        ("17m", "", {"oncall1-mail"}),
        ("20m", "", {"lead-push"}),
        ("30m", "", set()),  # exhausted after the repeat; P2 has no unresolved ladder
        ("90m", "", set()),
    ]
    play(db, clock, settings, sender, REPEATING, rows)


def test_a_stale_timer_is_harmless(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    """A level-2 timer that escaped cancellation (say, claimed just before the ack) fires
    after the acknowledgement: its generation is old, so it pages nobody."""
    from warroom.engine import service as engine
    from warroom.engine.models import Job
    from warroom.paging.runtime import ESCALATE_KIND

    apply(db, clock, ORG)
    run = worker(db, clock, settings)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    run.run_once()
    with db.session() as session:
        incident_id = incidents.get_incident(session, state["number"]).id
    stale = {"incident_id": incident_id, "generation": 1, "level": 1, "round": 0, "at_s": 300}
    clock.advance(minutes=1)
    act(db, clock, "ack", state)
    with db.session() as session:
        job = engine.enqueue(session, clock, ESCALATE_KIND, stale, incident_id=incident_id)
        job_id = job.id
    clock.advance(minutes=5)
    sent_before = len(sender.sent)
    run.run_once()
    assert len(sender.sent) == sent_before
    with db.session() as session:
        assert session.get(Job, job_id).state == "done"  # type: ignore[union-attr]
