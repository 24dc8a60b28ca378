"""*Updates on cadence* counts an incident once an update was owed: one opened minutes ago with
no update due yet was counted met at once (so every new incident raised the /metrics ratio),
and one whose update is overdue now was counted met until the engine got round to flagging it.
Now an open incident with no update yet and none due is not counted (as an acknowledgement not
yet owed), one overdue now is missed, and one resolved before any update came due is met.
Through the real CLI's report JSON and the /metrics headline, both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import make_incident
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.analytics import metrics

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACTOR = "t@example.com"


def test_updates_count_once_one_was_owed(db: Database, clock: FakeClock, cli: Any) -> None:
    # SEV1: an internal and a public update every 30 minutes.
    with db.session() as session:
        clock.set(OPENED)
        make_incident(session, clock, severity="SEV1")  # nothing posted: overdue at the report
        resolved_early = make_incident(session, clock, severity="SEV1")
        updated = make_incident(session, clock, severity="SEV1")
        clock.set(OPENED + timedelta(minutes=5))
        incidents.resolve(session, clock, resolved_early, actor=ACTOR)  # nothing was owed yet
        clock.set(OPENED + timedelta(minutes=40))
        make_incident(session, clock, severity="SEV1")  # 10 minutes old at the report: pending
        clock.set(OPENED + timedelta(minutes=45))
        for _ in range(2):  # each audience was due at +30 min: one late update for both
            comms.post_update(
                session, clock, number=updated.number, state="investigating",
                internal="Still looking", public="We are looking into it", actor=ACTOR,
                smtp_url="",
            )  # fmt: skip
            clock.set(OPENED + timedelta(minutes=46))
        session.commit()
    now = OPENED + timedelta(minutes=50)

    updates = report_json(cli, clock, at=now)["sla"]["SEV1"]["updates"]
    # met: the one resolved early; missed: the late one and the one overdue now, unflagged
    assert updates == {"met": 1, "missed": 2, "ratio": 0.3333}

    metrics.clear_cache()
    with db.session() as session:
        assert metrics.headline(session, clock).compliance[("updates", "SEV1")] == 0.3333
