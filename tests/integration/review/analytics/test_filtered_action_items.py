"""`warroom report --service/--severity` counts the action items of those incidents only: with
--service submitter the report showed 0 incidents but the open, overdue item of a database
incident. Through the real CLI, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import make_incident, make_user
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.review.action_items import service as items


@pytest.mark.parametrize(
    ("filters", "counted"),
    [
        ((), {"open": 1, "overdue": 1}),
        (("--service", "database"), {"open": 1, "overdue": 1}),
        (("--service", "submitter"), {"open": 0, "overdue": 0}),
        (("--severity", "SEV3"), {"open": 0, "overdue": 0}),
    ],
)
def test_items_of_the_filtered_incidents(
    db: Database, clock: FakeClock, cli: Any, filters: tuple[str, ...], counted: dict[str, int]
) -> None:
    with db.session() as session:
        incident = make_incident(session, clock, severity="SEV1", services=["database"])
        make_user(session, clock, "o@example.com")
        items.create(session, clock, incident, title="Add an index", owner="o@example.com",
                     impact="high", effort="low", actor="t",
                     due=clock.now() + timedelta(days=1))  # fmt: skip
        session.commit()
    clock.advance(days=3)

    report = report_json(cli, clock, "--since", "30d", *filters, at=None)
    assert report["action_items"] == counted
