"""A postmortem's due time follows the incident's severity as it stands: raised or lowered
after the resolution, it is counted from when the postmortem was made (the resolution) with the
new severity's due_within, unless a person gave the due time; lowered to a severity that requires
none, it is no longer owed (no reminders, never overdue, the draft kept); on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import (
    act,
    apply,
    commander,
    open_incident,
    review_events,
    run_due,
)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders

ORG = """\
severities:
  - {key: SEV0, name: Critical, postmortem: {required: true, due_within: 24h}}
  - {key: SEV2, name: Minor, postmortem: {required: true, due_within: 72h}}
  - {key: SEV3, name: Low}
users:
  - email: ic@corp.test
    name: ic
    contact_methods: [{name: push, url: "json://hooks.test/ic"}]
services:
  - {key: api, name: API}
  - {key: db, name: Database}
"""


def resolved(db: Database, clock: FakeClock, severity: str) -> int:
    """An incident of that severity resolved now (2026-01-01 12:00), ic its commander."""
    number = open_incident(db, clock, severity=severity)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    return number


def severity(db: Database, clock: FakeClock, number: int, to: str) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.change_severity(
            session, clock, incident, severity=to, reason="judged again", actor="ic@corp.test"
        )


def reminders_to_ic(sender: senders.FakeSender) -> list[str]:
    return [m.title for m in sender.sent if m.url.endswith("/ic") and "postmortem" in m.title]


def test_raised_after_the_resolve_the_due_time_follows_the_new_severity(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    make_token: MakeToken,
    worker: Worker,
    sender: senders.FakeSender,
) -> None:
    apply(db, clock, ORG)
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    number = resolved(db, clock, "SEV2")  # due 2026-01-04 12:00 (72 h)
    path = f"/api/v1/incidents/{number}/postmortem"
    assert client.get(path, headers=ic).json()["due_at"].startswith("2026-01-04T12:00")
    clock.advance(hours=2)
    severity(db, clock, number, "SEV0")  # SEV0: 24 h after the resolution
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"].startswith("2026-01-02T12:00") and not pm["overdue"]
    kind, payload = review_events(db, number)[-1]
    assert kind == "review:postmortem:rescheduled"
    assert payload["severity"] == "SEV0" and str(payload["due_at"]).startswith("2026-01-02T12:00")
    clock.advance(hours=21)  # 2026-01-02 11:00, 1 h before the new due time
    run_due(worker)
    assert reminders_to_ic(sender)[-1].endswith("postmortem due in 1h")
    clock.advance(hours=1)
    run_due(worker)
    assert client.get(path, headers=ic).json()["overdue"]
    assert "review:postmortem:overdue" in [k for k, _ in review_events(db, number)]


def test_raised_past_the_new_due_time_it_is_overdue_and_lowered_it_gets_the_longer_one(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    apply(db, clock, ORG)
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    number = resolved(db, clock, "SEV2")
    path = f"/api/v1/incidents/{number}/postmortem"
    clock.advance(hours=30)
    severity(db, clock, number, "SEV0")  # 24 h after the resolution: 6 h ago
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"].startswith("2026-01-02T12:00") and pm["overdue"]
    assert client.get("/api/v1/postmortems?overdue=true", headers=ic).json()["overdue"] == 1
    severity(db, clock, number, "SEV2")  # back to 72 h after the resolution
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"].startswith("2026-01-04T12:00") and not pm["overdue"]


def test_a_due_time_a_person_gave_stays_when_the_severity_changes(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    apply(db, clock, ORG)
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    number = resolved(db, clock, "SEV2")
    path = f"/api/v1/incidents/{number}/postmortem"
    given = client.patch(path, json={"due_at": "2026-01-10T09:00:00Z"}, headers=ic)
    assert given.status_code == 200, given.text
    severity(db, clock, number, "SEV0")
    assert client.get(path, headers=ic).json()["due_at"].startswith("2026-01-10T09:00")
    assert "review:postmortem:rescheduled" not in [k for k, _ in review_events(db, number)]


def test_lowered_to_a_severity_that_requires_none_it_is_no_longer_owed(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    make_token: MakeToken,
    worker: Worker,
    sender: senders.FakeSender,
) -> None:
    apply(db, clock, ORG)
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    number = resolved(db, clock, "SEV0")  # due 2026-01-02 12:00
    path = f"/api/v1/incidents/{number}/postmortem"
    saved = client.put(path, json={"markdown": "# What we know", "version": 1}, headers=ic)
    assert saved.status_code == 200, saved.text
    clock.advance(hours=30)
    run_due(worker)
    assert client.get(path, headers=ic).json()["overdue"]
    sent = len(reminders_to_ic(sender))
    severity(db, clock, number, "SEV3")
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"] is None and not pm["overdue"] and pm["overdue_since"] is None
    assert pm["state"] == "draft" and pm["markdown"] == "# What we know"
    listed = client.get("/api/v1/postmortems?overdue=true", headers=ic).json()
    assert listed["overdue"] == 0 and listed["postmortems"] == []
    kind, payload = review_events(db, number)[-1]
    assert kind == "review:postmortem:released"
    assert payload["severity"] == "SEV3" and str(payload["due_at_was"]).startswith("2026-01-02")
    clock.advance(days=10)
    run_due(worker)
    assert len(reminders_to_ic(sender)) == sent
    closed = client.post(f"/api/v1/incidents/{number}/close", json={}, headers=ic)
    assert closed.status_code == 200, closed.text


def test_a_released_postmortem_is_owed_again_when_raised_back_from_then(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    apply(db, clock, ORG)
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    number = resolved(db, clock, "SEV0")
    path = f"/api/v1/incidents/{number}/postmortem"
    severity(db, clock, number, "SEV3")
    clock.advance(days=3)  # 2026-01-04 12:00
    severity(db, clock, number, "SEV2")  # owed again: 72 h from now, not born overdue
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"].startswith("2026-01-07T12:00") and not pm["overdue"]
