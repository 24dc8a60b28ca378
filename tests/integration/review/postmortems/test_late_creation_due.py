"""A postmortem made after the resolution (by hand, or because the resolved incident's severity
was raised to one that requires it) is due `due_within` after it is made, never overdue the
moment it exists; one made at the resolution is due `due_within` after it (48 h for P1); on
both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def test_a_postmortem_made_days_after_the_resolve_is_not_born_overdue(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    apply(db, clock, org())
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    by_hand, raised, required = (open_incident(db, clock, severity=s) for s in ("P3", "P3", "P1"))
    for number in (by_hand, raised, required):
        commander(db, clock, number)
        act(db, clock, number, "resolve")  # 2026-01-01 12:00
    path = f"/api/v1/incidents/{required}/postmortem"
    assert client.get(path, headers=ic).json()["due_at"].startswith("2026-01-03T12:00")

    clock.advance(days=3)  # 2026-01-04 12:00
    made = client.post(
        f"/api/v1/incidents/{by_hand}/postmortem", json={"due_within_hours": 24}, headers=ic
    )
    assert made.status_code == 201, made.text
    assert made.json()["due_at"].startswith("2026-01-05T12:00") and not made.json()["overdue"]

    with db.session() as session:
        incident = incidents.get_incident(session, raised)
        incidents.change_severity(
            session,
            clock,
            incident,
            severity="P1",
            reason="worse than thought",
            actor="ic@corp.test",
        )
    late = client.get(f"/api/v1/incidents/{raised}/postmortem", headers=ic).json()
    assert late["due_at"].startswith("2026-01-06T12:00") and not late["overdue"]
    listed = client.get("/api/v1/postmortems?overdue=true", headers=ic).json()
    assert [p["number"] for p in listed["postmortems"]] == [required]
