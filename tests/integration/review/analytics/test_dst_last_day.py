"""A daylight-saving change in the window's last day counts for the out-of-hours pages: the
clocks in Israel went forward on Friday 27 March 2026 at 00:00 UTC, and a page at 06:30 UTC that
morning came at 09:30 local, inside working hours, whichever window holds it. `--since 24h` and
`30d` ending at noon counted it outside (at 08:30, the winter offset). Through the real CLI's
report JSON, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import make_incident, make_user
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.paging.models import Page

SENT = datetime(2026, 3, 27, 6, 30, tzinfo=UTC)  # Fri 09:30 IDT (UTC+3 from 00:00 UTC)
NOON = datetime(2026, 3, 27, 12, tzinfo=UTC)


@pytest.mark.parametrize("since", ["24h", "30d", "2026-03-01"])
def test_a_change_in_the_last_day(db: Database, clock: FakeClock, cli: Any, since: str) -> None:
    with db.session() as session:
        clock.set(datetime(2026, 3, 27, 6, 0, tzinfo=UTC))
        incident = make_incident(session, clock, severity="SEV1")
        yael = make_user(session, clock, "yael@example.com")
        yael.time_zone = "Asia/Jerusalem"
        session.add(
            Page(incident_id=incident.id, user_id=yael.id, reason="escalation",
                 target="user:yael@example.com", title="p", body="p", created_at=SENT)
        )  # fmt: skip
        session.commit()

    report = report_json(cli, clock, "--since", since, at=NOON)
    assert (report["oncall"]["pages"], report["oncall"]["outside_hours"]) == (1, 0)
