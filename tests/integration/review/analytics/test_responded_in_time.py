"""The severity's response time (`respond_within`: someone starts working the incident, its
first note, status update, mitigation or resolution) is a target the report judges, as
`incident show` does: the reference processes' "Response Time: 15 minutes" (atlas) and the
oracle pack's SEV2/SEV3, whose only target it is, were in no figure. Through the real CLI's
report JSON and the /metrics headline; drills apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import make_incident
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.analytics import metrics

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACTOR = "t@example.com"
HOUR = timedelta(hours=1)


def test_responded_within_the_severity_target_is_a_target_met(
    db: Database, clock: FakeClock, cli: Any
) -> None:
    # SEV1 respond_within 3600 s; SEV3 has no response target.
    with db.session() as session:
        clock.set(OPENED)
        noted = make_incident(session, clock, severity="SEV1")  # a note at exactly 1 h: met
        acked_only = make_incident(session, clock, severity="SEV1")  # ack is no response
        make_incident(session, clock, severity="SEV1")  # open, nothing for 3 h: missed
        make_incident(session, clock, severity="SEV1", drill=True)  # the same, a drill
        untargeted = make_incident(session, clock, severity="SEV3")
        clock.set(OPENED + timedelta(minutes=5))
        incidents.acknowledge(session, clock, acked_only, actor=ACTOR)
        clock.set(OPENED + HOUR)
        incidents.add_note(session, clock, noted, text="looking at the pool", actor=ACTOR)
        clock.set(OPENED + 2 * HOUR)
        incidents.resolve(session, clock, acked_only, actor=ACTOR)  # responded after 2 h
        clock.set(OPENED + 2 * HOUR + timedelta(minutes=10))
        make_incident(session, clock, severity="SEV1")  # 10 min still to go at 3 h: pending
        incidents.resolve(session, clock, untargeted, actor=ACTOR)
        session.commit()
    now = OPENED + 3 * HOUR

    report = report_json(cli, clock, at=now)
    assert report["sla"]["SEV1"]["responded"] == {"met": 1, "missed": 2, "ratio": 0.3333}
    assert report["sla"]["all"]["responded"] == {"met": 1, "missed": 2, "ratio": 0.3333}
    assert report["sla"]["SEV3"]["responded"] == {"met": 0, "missed": 0, "ratio": None}
    drills = report["drills"]["sla"]["SEV1"]["responded"]
    assert drills == {"met": 0, "missed": 1, "ratio": 0.0}

    metrics.clear_cache()
    with db.session() as session:
        headline = metrics.headline(session, clock)
    assert headline.compliance[("responded", "SEV1")] == 0.3333
    assert ("responded", "SEV3") not in headline.compliance
