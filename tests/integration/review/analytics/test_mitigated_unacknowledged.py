"""An incident mitigated straight from triggered can no longer be acknowledged (`ack` answers
409): the acknowledgement target is then not counted as missed however long it stays
mitigated, as for one resolved without an acknowledgement; one mitigated after the target
ran out still misses it; through the real CLI, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.review.analytics.reported import report_json
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_mitigation_ends_the_acknowledgement_target(
    db: Database, clock: FakeClock, cli: Any, client: TestClient, responder_headers: dict[str, str]
) -> None:
    with db.session() as session:
        numbers = []
        for mitigated_after in (timedelta(minutes=2), timedelta(minutes=40)):
            clock.set(OPENED)
            incident = make_incident(session, clock, severity="SEV1")  # ack target 15 min
            clock.set(OPENED + mitigated_after)
            incidents.mitigate(session, clock, incident, actor="ops@example.com")
            numbers.append(incident.number)
        session.commit()
    refused = client.post(f"/api/v1/incidents/{numbers[0]}/ack", headers=responder_headers)
    assert refused.status_code == 409  # it cannot be acknowledged any more

    report = report_json(cli, clock)  # a week later, both still mitigated
    assert report["sla"]["SEV1"]["acknowledged"] == {"met": 0, "missed": 1, "ratio": 0.0}


def test_resolved_then_reopened_before_an_acknowledgement(
    db: Database, clock: FakeClock, cli: Any
) -> None:
    """Resolved within the target and reopened a day later, never acknowledged (it owes none:
    a reopened incident is past `triggered`): not counted; resolved late, then reopened:
    missed."""
    with db.session() as session:
        for resolved_after in (timedelta(minutes=3), timedelta(minutes=50)):
            clock.set(OPENED)
            incident = make_incident(session, clock, severity="SEV1")  # ack target 15 min
            clock.set(OPENED + resolved_after)
            incidents.resolve(session, clock, incident, actor="ops@example.com")
            clock.set(OPENED + timedelta(days=1))
            incidents.reopen(session, clock, incident, actor="ops@example.com")
        session.commit()

    report = report_json(cli, clock)
    assert report["sla"]["SEV1"]["acknowledged"] == {"met": 0, "missed": 1, "ratio": 0.0}
