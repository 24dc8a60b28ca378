"""Time arithmetic agrees on both databases. A target met exactly on time is met: SQLite's
julianday made 900 s come out as 900.0000268 s, so an ack at the 15-minute mark counted as
missed there. A page a fraction of a second before 09:00 is outside working hours: SQLite's
strftime rounded 08:59:59.9996 up to 09:00:00. Through the real CLI's report JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import make_incident, make_user
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.paging.models import Page

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACTOR = "t@example.com"


def test_acknowledged_and_resolved_on_the_dot(db: Database, clock: FakeClock, cli: Any) -> None:
    with db.session() as session:
        # SEV1: acknowledge within 900 s, resolve within 14400 s; one opened on a whole second,
        # one at .123457 s.
        for opened in (OPENED, OPENED + timedelta(hours=5, microseconds=123457)):
            clock.set(opened)
            incident = make_incident(session, clock, severity="SEV1")
            clock.set(opened + timedelta(seconds=900))
            incidents.acknowledge(session, clock, incident, actor=ACTOR)
            clock.set(opened + timedelta(seconds=14400))
            incidents.resolve(session, clock, incident, actor=ACTOR)
        session.commit()

    report = report_json(cli, clock)
    assert report["sla"]["SEV1"]["acknowledged"] == {"met": 2, "missed": 0, "ratio": 1.0}
    assert report["sla"]["SEV1"]["resolved"] == {"met": 2, "missed": 0, "ratio": 1.0}
    assert report["times"]["overall"]["mtta"] == {"count": 2, "mean_s": 900.0, "median_s": 900.0}
    assert report["times"]["overall"]["mttr"]["mean_s"] == 14400.0


def test_a_page_just_before_nine_is_outside_working_hours(
    db: Database, clock: FakeClock, cli: Any
) -> None:
    with db.session() as session:
        clock.set(OPENED)
        incident = make_incident(session, clock, severity="SEV1")
        bob = make_user(session, clock, "bob@example.com")  # UTC
        for sent in (
            datetime(2026, 3, 2, 8, 59, 59, 999600, tzinfo=UTC),  # Monday: outside
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),  # inside
        ):
            session.add(
                Page(incident_id=incident.id, user_id=bob.id, reason="escalation",
                     target="user:bob@example.com", title="p", body="p", created_at=sent)
            )  # fmt: skip
        session.commit()

    oncall = report_json(cli, clock)["oncall"]
    assert (oncall["pages"], oncall["outside_hours"]) == (2, 1)
