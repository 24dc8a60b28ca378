"""Someone who goes on call between hand-offs is told at once.

The hand-off job was only ever planned for the next change of person. An override from now
("I'll take it from here") made the covering person on call at once, and the job went to the
override's end: they were never told. Likewise when config removed the person on call, the
next in the rotation was on call at once and heard nothing. Now the job runs at once whenever
the person on call is not the one last told; the first apply of a schedule tells nobody (its
on-call did not just start), an override made before the first hand-off is told.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.paging.world import ORG, apply, sender, who, worker
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify.senders import FakeSender
from warroom.paging import service as paging
from warroom.settings import Settings

__all__ = ["sender"]

NOTIFIED = ORG.replace("handoff_notify: false", "handoff_notify: true")
WITHOUT_ONCALL1 = NOTIFIED.replace(
    "participants: [oncall1@atlas.test, oncall2@atlas.test]", "participants: [oncall2@atlas.test]"
)


def _told(sender: FakeSender) -> list[str]:
    got = who([m.url for m in sender.sent if m.title.startswith("On call now")])
    sender.sent.clear()
    return got


def test_an_override_from_now_tells_the_covering_person_at_once(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    clock.set(datetime(2026, 1, 1, 12, tzinfo=UTC))  # oncall1's shift, until 01-02 09:00
    apply(db, clock, NOTIFIED)
    run = worker(db, clock, settings)
    run.run_once()
    assert _told(sender) == []  # the first apply is no hand-off
    with db.session() as session:
        paging.add_override(
            session,
            clock,
            schedule="atlas-primary",
            user="lead@atlas.test",
            start=clock.now(),
            end=clock.now() + timedelta(hours=4),
            actor="oncall1@atlas.test",
        )
    run.run_once()
    assert _told(sender) == ["lead-push"]
    clock.advance(hours=4)  # the override ends: oncall1 is on call again, and told so
    run.run_once()
    assert _told(sender) == ["oncall1-push"]
    clock.set(datetime(2026, 1, 2, 9, tzinfo=UTC))
    run.run_once()
    assert _told(sender) == ["oncall2-push"]
    with db.session() as session:
        rows, _ = timeline.timeline_rows(
            session, incident_id=None, kind_prefix="paging:oncall:handoff"
        )
        handoffs = [(r.payload["from"], r.payload["to"]) for r in rows]
    assert handoffs == [
        (None, "lead@atlas.test"),  # before the first hand-off: nobody told yet
        ("lead@atlas.test", "oncall1@atlas.test"),
        ("oncall1@atlas.test", "oncall2@atlas.test"),
    ]


def test_removing_the_person_on_call_from_config_tells_the_next_at_once(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    clock.set(datetime(2026, 1, 1, 12, tzinfo=UTC))
    apply(db, clock, NOTIFIED)
    run = worker(db, clock, settings)
    clock.set(datetime(2026, 1, 3, 9, tzinfo=UTC))  # the second hand-off: oncall1's turn
    run.run_once()
    assert _told(sender) == ["oncall1-push"]
    clock.advance(hours=2)
    apply(db, clock, WITHOUT_ONCALL1)
    run.run_once()
    assert _told(sender) == ["oncall2-push"]
