"""An incident resolved without being marked mitigated was mitigated when it was resolved, as
docs/review.md says MTTM counts it: the draft's Detection and response table says so, with the
time after detection the analytics count for it. The draft said 'Mitigated: never' while the
Analytics page counted 30 minutes for the same incident. On both databases."""

from __future__ import annotations

from tests.integration.review.postmortems.org import act, apply, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.analytics import service as analytics
from warroom.review.analytics.periods import window
from warroom.review.analytics.queries import Filters
from warroom.review.postmortems import service as postmortems


def test_resolved_without_mitigation_is_mitigated_when_resolved(
    db: Database, clock: FakeClock
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    clock.advance(minutes=4)
    act(db, clock, number, "ack")
    clock.advance(minutes=26)
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None
        text = postmortems.markdown_of(session, incident, pm)
        report = analytics.report(session, clock, window(clock, "1d"), Filters())
    assert report.times.overall.mttm.mean_s == 30 * 60
    assert (
        "| Mitigated | 2026-01-01 12:30 UTC (when resolved: never marked mitigated) | 30m |  "
        "| no target |" in text
    )


def test_marked_mitigated_keeps_its_own_time(db: Database, clock: FakeClock) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    clock.advance(minutes=10)
    act(db, clock, number, "mitigate")
    clock.advance(minutes=20)
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None
        text = postmortems.markdown_of(session, incident, pm)
    assert "| Mitigated | 2026-01-01 12:10 UTC | 10m |  | no target |" in text
