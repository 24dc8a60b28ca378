"""A postmortem not yet published is not owed while its incident is open again: the due time
counts from a resolution, so a reopening pauses it (no due time, no reminders, never overdue,
an overdue flag cleared) and the next resolution owes it again, due from then as the severity
then stands; on both databases, through the real engine worker."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import (
    act,
    apply,
    commander,
    open_incident,
    org,
    review_events,
    run_due,
)
from tests.integration.review.postmortems.test_api import headers, post
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders

P0 = "  - key: P0\n    name: Critical\n    postmortem: {required: true, due_within: 24h}\n"


def to_ic(sender: senders.FakeSender) -> list[str]:
    return [m.title for m in sender.sent if m.url.endswith("/ic") and "postmortem" in m.title]


def test_a_draft_sends_nothing_while_reopened_and_is_due_from_the_next_resolution(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    make_token: MakeToken,
    worker: Worker,
    sender: senders.FakeSender,
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")  # 2026-01-01 12:00, P1: due 2026-01-03 12:00
    ic, path = headers(make_token, "ic@corp.test"), f"/api/v1/incidents/{number}/postmortem"
    clock.advance(hours=20)
    act(db, clock, number, "reopen")  # 2026-01-02 08:00: open again, nothing owed yet
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"] is None and pm["paused"] and not pm["overdue"]
    clock.advance(hours=30)  # 2026-01-03 14:00: past the first due time, still open
    run_due(worker)
    assert to_ic(sender) == []  # neither the 24 h nor the 1 h reminder, nor overdue
    assert "review:postmortem:overdue" not in [k for k, _ in review_events(db, number)]
    listed = client.get("/api/v1/postmortems?overdue=true", headers=ic).json()
    assert listed["overdue"] == 0
    act(db, clock, number, "resolve")  # owed again: 48 h from now, 2026-01-05 14:00
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"].startswith("2026-01-05T14:00") and not pm["paused"]
    kind, payload = review_events(db, number)[-1]
    assert kind == "review:postmortem:rescheduled" and payload["resolved_again"] is True
    clock.advance(hours=24)
    run_due(worker)
    assert to_ic(sender) == ["[P1] INC-1: postmortem due in 1d"]
    clock.advance(hours=24)  # the 1 h reminder's time and the due time have both passed
    run_due(worker)
    assert client.get(path, headers=ic).json()["overdue"]
    # The late reminder says nothing ("due in 0s", in either order with the overdue notice).
    assert to_ic(sender)[1:] == ["[P1] INC-1: postmortem overdue"]


def test_an_overdue_one_in_review_is_cleared_and_follows_the_severity_at_the_resolution(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    make_token: MakeToken,
    worker: Worker,
    sender: senders.FakeSender,
) -> None:
    apply(db, clock, org().replace("severities:\n", "severities:\n" + P0))
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")  # 2026-01-01 12:00, due 2026-01-03 12:00
    ic, path = headers(make_token, "ic@corp.test"), f"/api/v1/incidents/{number}/postmortem"
    base = f"/api/v1/incidents/{number}"
    saved = client.put(path, json={"markdown": "# First part", "version": 1}, headers=ic)
    assert saved.status_code == 200, saved.text
    assert post(client, f"{base}/postmortem/submit", ic).status_code == 200
    clock.advance(hours=50)  # 2026-01-03 14:00
    run_due(worker)
    assert client.get(path, headers=ic).json()["overdue"]
    sent = len(to_ic(sender))
    act(db, clock, number, "reopen")
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"] is None and not pm["overdue"] and pm["overdue_since"] is None
    assert pm["state"] == "in_review" and pm["paused"]
    with db.session() as session:  # raised while open: waits for the resolution
        incident = incidents.get_incident(session, number)
        incidents.change_severity(
            session, clock, incident, severity="P0", reason="worse", actor="ic@corp.test"
        )
    assert client.get(path, headers=ic).json()["due_at"] is None
    clock.advance(days=5)
    run_due(worker)
    assert len(to_ic(sender)) == sent
    act(db, clock, number, "resolve")  # 2026-01-08 14:00, P0: due in 24 h
    assert client.get(path, headers=ic).json()["due_at"].startswith("2026-01-09T14:00")
    clock.advance(hours=2)
    with db.session() as session:  # lowered after: counted from this resolution, not the first
        incident = incidents.get_incident(session, number)
        incidents.change_severity(
            session, clock, incident, severity="P1", reason="judged", actor="ic@corp.test"
        )
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"].startswith("2026-01-10T14:00") and not pm["overdue"]


def test_a_due_time_given_while_reopened_is_kept_and_not_paused(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    act(db, clock, number, "reopen")
    ic, path = headers(make_token, "ic@corp.test"), f"/api/v1/incidents/{number}/postmortem"
    given = client.patch(path, json={"due_at": "2026-01-10T09:00:00Z"}, headers=ic)
    assert given.status_code == 200, given.text
    pm = client.get(path, headers=ic).json()
    assert pm["due_at"].startswith("2026-01-10T09:00") and not pm["paused"]
