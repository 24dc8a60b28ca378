"""MTTA and the acknowledgement target of an incident reopened by a re-fire, worked out by hand
on the fake clock; through the real CLI, on both databases.

A re-fire puts the incident back to `triggered` and pages again from level 1, counted from the
reopening: the wait for an acknowledgement starts again there. So an incident is acknowledged
in time when no wait for an acknowledgement (from its opening, or from a re-fire, each until it
was acknowledged, mitigated or resolved, or until now) ran longer than the target, and its time
to acknowledge runs from the start of the wait the acknowledgement ended.

SEV1: acknowledge within 15 min. Opened on 2 March 2026 (minutes after opening):
    R1  resolved at 5 (no ack: within the target), re-fired at 120, acknowledged at 121:
        acknowledged 1 min after the re-fire: met, time to acknowledge 60 s
    R2  resolved at 30 without an ack (waited 30 min): missed; re-fired at 120, acknowledged
        at 121: still missed (the first page waited), time to acknowledge 60 s
    R3  resolved at 5, re-fired at 120, never acknowledged, report at 150: waited 30 min: missed
    R4  resolved at 5, reopened by hand at 120 (back to acknowledged: no ack owed), resolved at
        150: never acknowledged, within the target while one was owed: not counted
Figures: MTTA over R1 and R2 = 60 s (count 2); acknowledged: met 1, missed 2.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import make_incident
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACTOR = "oncall@example.com"
PLAYS: dict[str, list[tuple[int, Callable[..., Any]]]] = {
    "R1": [(5, incidents.resolve), (120, incidents.refire), (121, incidents.acknowledge)],
    "R2": [(30, incidents.resolve), (120, incidents.refire), (121, incidents.acknowledge)],
    "R4": [(5, incidents.resolve), (120, incidents.reopen), (150, incidents.resolve)],
    "R3": [(5, incidents.resolve), (120, incidents.refire)],  # the last: read while waiting
}


def test_a_refire_starts_the_wait_for_an_acknowledgement_again(
    db: Database, clock: FakeClock, cli: Any
) -> None:
    with db.session() as session:
        for day, moves in enumerate(PLAYS.values()):
            opened = OPENED + timedelta(days=day)
            clock.set(opened)
            incident = make_incident(session, clock, severity="SEV1")
            for minutes, move in moves:
                clock.set(opened + timedelta(minutes=minutes))
                move(session, clock, incident, actor=ACTOR)
        session.commit()

    # R3 was opened on day 3: the report is read 150 minutes after it opened.
    report = report_json(cli, clock, at=OPENED + timedelta(days=3, minutes=150))
    assert report["times"]["overall"]["mtta"] == {"count": 2, "mean_s": 60.0, "median_s": 60.0}
    assert report["sla"]["SEV1"]["acknowledged"] == {"met": 1, "missed": 2, "ratio": 0.3333}
