"""'Postmortem on time' counts only postmortems that are owed: one whose incident was lowered
to a severity that requires none (docs/review.md: no longer owed, no due time) and is then
published anyway is in neither tally. It counted as met: a team lowering incidents after the
fact raised its on-time figure. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.analytics.reported import report_json
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

OPENED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _post(client: TestClient, path: str, token: str) -> None:
    answer = client.post(path, json={}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text


def test_a_postmortem_no_longer_owed_counts_in_no_tally(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken, cli: Any
) -> None:
    clock.set(OPENED)
    apply(db, clock, org())
    ic, rev = (
        make_token("responder", email="ic@corp.test"),
        make_token("responder", email="rev@corp.test"),
    )
    owed, lowered = open_incident(db, clock), open_incident(db, clock)
    for number in (owed, lowered):
        commander(db, clock, number)
        act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, lowered)
        incidents.change_severity(
            session, clock, incident, severity="P3", reason="minor after all", actor="ic@corp.test"
        )
    for number in (owed, lowered):
        path = f"/api/v1/incidents/{number}/postmortem"
        for verb, token in (("submit", ic), ("approve", rev), ("publish", ic)):
            _post(client, f"{path}/{verb}", token)

    report = report_json(cli, clock)
    assert report["sla"]["P1"]["postmortem"] == {"met": 1, "missed": 0, "ratio": 1.0}
    assert report["sla"]["P3"]["postmortem"] == {"met": 0, "missed": 0, "ratio": None}
    assert report["sla"]["all"]["postmortem"]["met"] == 1
