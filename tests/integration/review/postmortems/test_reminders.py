"""Reminders to the author before the due time and the overdue flag after it, on the FakeClock
through the real engine worker; publishing stops them."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.review.postmortems.org import (
    act,
    apply,
    commander,
    open_incident,
    org,
    run_due,
)
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.review.postmortems import jobs
from warroom.review.postmortems import service as postmortems


def review_kinds(db: Database, number: int) -> list[str]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows, _ = timeline.timeline_page(
            session, incident_id=incident.id, kind_prefix="review:", limit=100
        )
        return [e.kind for e in rows]


def to_ic(sender: senders.FakeSender) -> list[senders.Outgoing]:
    return [m for m in sender.sent if m.url.endswith("/ic") and "postmortem" in m.title]


def test_author_reminded_24h_and_1h_before_then_flagged_overdue(
    db: Database, clock: FakeClock, worker: Worker, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")  # 12:00, due 48 h later
    clock.advance(hours=23, minutes=59)
    run_due(worker)
    assert to_ic(sender) == []
    clock.advance(minutes=1)  # 24 h before due
    run_due(worker)
    [first] = to_ic(sender)
    assert "postmortem due in 1d" in first.title
    assert f"warroom postmortem show {number}" in first.body
    clock.advance(hours=23)  # 1 h before due
    run_due(worker)
    assert len(to_ic(sender)) == 2 and "due in 1h" in to_ic(sender)[1].title
    assert review_kinds(db, number).count("review:postmortem:reminded") == 2
    before = jobs.POSTMORTEMS_OVERDUE._value.get()
    clock.advance(hours=1)
    run_due(worker)
    assert "review:postmortem:overdue" in review_kinds(db, number)
    assert jobs.POSTMORTEMS_OVERDUE._value.get() == before + 1
    assert "postmortem overdue" in to_ic(sender)[-1].title
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None and pm.overdue_since is not None
    clock.advance(hours=10)
    run_due(worker)
    assert review_kinds(db, number).count("review:postmortem:overdue") == 1  # flagged once


def test_publishing_in_time_cancels_what_is_left_and_nobody_is_recorded(
    db: Database, clock: FakeClock, worker: Worker, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    clock.advance(hours=24)
    run_due(worker)
    assert len(to_ic(sender)) == 1
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        postmortems.submit(session, clock, incident, actor="ic@corp.test")
        postmortems.approve(session, clock, incident, actor="rev@corp.test")
        postmortems.publish(session, clock, incident, actor="ic@corp.test")
    clock.advance(hours=30)
    run_due(worker)
    assert len(to_ic(sender)) == 1
    assert "review:postmortem:overdue" not in review_kinds(db, number)
    # Without a commander and resolved by warroom: nobody to remind, and that is recorded.
    other = open_incident(db, clock)
    act(db, clock, other, "resolve", actor="warroom:intake")
    clock.advance(hours=24)
    run_due(worker)
    assert "review:postmortem:nobody" in review_kinds(db, other)


def test_a_new_author_or_due_time_plans_the_reminders_again(
    db: Database, clock: FakeClock, worker: Worker, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        postmortems.assign(
            session,
            clock,
            incident,
            actor="ic@corp.test",
            author="rev@corp.test",
            due_at=clock.now() + timedelta(hours=2),
        )
    clock.advance(hours=1)
    run_due(worker)
    to_rev = [m for m in sender.sent if m.url.endswith("/rev") and "postmortem" in m.title]
    assert len(to_rev) == 1 and "due in 1h" in to_rev[0].title
    clock.advance(hours=47)  # the old plan's jobs (24 h, 1 h before 48 h) do nothing
    run_due(worker)
    assert to_ic(sender) == []
    assert review_kinds(db, number).count("review:postmortem:overdue") == 1
