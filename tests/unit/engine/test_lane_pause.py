"""Lanes: a stalled destination's queued messages wait together, unclaimed, until its pause
ends; other destinations' messages are claimed as usual (FakeClock, in-memory sender)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta

import pytest

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import lanes, service
from warroom.engine.models import PENDING, Job
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.notify import delivery, senders
from warroom.notify import service as notify
from warroom.notify.destinations import SLOTS, destination_lane
from warroom.notify.models import QUEUED, SENT, Message
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

STUCK = "json://stuck.example.com/hook"
GOOD = "json://good.example.com/hook"
LEASE = timedelta(seconds=60)


@pytest.fixture
def fake() -> Iterator[FakeSender]:
    sender = FakeSender()
    senders.set_sender(sender)
    yield sender
    senders.set_sender(None)


def _job(db: Database, clock: FakeClock, key: str, lane: str | None) -> int:
    with db.session() as session:
        return service.enqueue(session, clock, "test.lane", {}, dedup_key=key, lane=lane).id


def _claimed(db: Database, clock: FakeClock) -> list[int]:
    with db.session() as session:
        jobs = service.claim(session, clock, "w1", limit=50, lease=LEASE, kinds={"test.lane"})
        session.commit()
        return [j.id for j in jobs]


def test_a_paused_lanes_jobs_wait_for_the_pause_to_end(db: Database, clock: FakeClock) -> None:
    held = _job(db, clock, "a", "notify:stuck")
    free = _job(db, clock, "b", "notify:good")
    plain = _job(db, clock, "c", None)
    with db.session() as session:
        lanes.pause(session, clock, "notify:stuck", clock.now() + timedelta(seconds=30))
    assert sorted(_claimed(db, clock)) == sorted([free, plain])
    clock.advance(seconds=29)
    assert _claimed(db, clock) == []
    clock.advance(seconds=2)
    assert _claimed(db, clock) == [held]


def test_a_worker_sleeps_until_a_paused_lanes_pause_ends(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    """A due job it may not claim must not wake the worker at once, pass after pass (it spun
    over the database for as long as a stalled host's lane stayed paused)."""
    _job(db, clock, "a", "notify:stuck")
    with db.session() as session:
        lanes.pause(session, clock, "notify:stuck", clock.now() + timedelta(seconds=30))
    worker = Worker(db, clock, settings, "w1", options=EngineOptions(poll_seconds=120))
    assert worker.run_once() == 0
    assert worker.seconds_until_due(fresh=False) == 30
    assert worker.seconds_until_due() == 30
    clock.advance(seconds=10)
    _job(db, clock, "b", "notify:good")
    clock.advance(seconds=5)  # a job due in another lane wakes it as usual
    assert worker.seconds_until_due() == 0


def test_a_pause_keeps_its_later_end_and_resume_ends_it(db: Database, clock: FakeClock) -> None:
    later = clock.now() + timedelta(seconds=60)
    with db.session() as session:
        lanes.pause(session, clock, "notify:x", later, reason="first")
    with db.session() as session:  # a second worker pauses it again, for less long
        lanes.pause(session, clock, "notify:x", clock.now() + timedelta(seconds=5))
    with db.session() as session:
        assert lanes.paused_until(session, clock, "notify:x") == later
        assert lanes.resume(session, "notify:x") is True
    with db.session() as session:
        assert lanes.paused_until(session, clock, "notify:x") is None


def _queue(db: Database, clock: FakeClock, url: str, key: str) -> Message:
    with db.session() as session:
        return notify.queue_message(
            session, clock, url=url, title="page", body="b", incident_id=None, user_id=None,
            idempotency_key=key, purpose="page",
        )  # fmt: skip


def _state(db: Database, message: Message) -> tuple[str, int, str]:
    with db.session() as session:
        row = session.get(Message, message.id)
        job = session.get(Job, row.job_id) if row is not None else None
        assert row is not None and job is not None
        return row.state, job.attempts, job.state


def _never_claimed(db: Database, message: Message) -> bool:
    with db.session() as session:
        row = session.get(Message, message.id)
        job = session.get(Job, row.job_id) if row is not None else None
        return job is not None and job.updated_at == job.created_at


def test_a_busy_destination_pauses_its_lane_and_others_still_go(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    fake: FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "PAUSE_AFTER_S", 0.0)  # its slots count as stalled at once
    worker = Worker(db, clock, settings, "w1", options=EngineOptions(concurrent_kinds=""))
    first = _queue(db, clock, STUCK, "k1")
    with ExitStack() as stack:  # every slot of the stuck host is taken (sends under way)
        for _ in range(SLOTS.limit):
            stack.enter_context(SLOTS.take(STUCK))
        worker.run_once()
        with db.session() as session:
            until = lanes.paused_until(session, clock, destination_lane(STUCK))
        assert until is not None and until > clock.now()
        assert _state(db, first) == (QUEUED, 0, PENDING)  # postponed, attempt not counted
        # Queued while the host is paused: not claimed at all, while another host's page goes.
        second = _queue(db, clock, STUCK, "k2")
        good = _queue(db, clock, GOOD, "k3")
        worker.run_once()
        assert fake.urls() == [GOOD] and _state(db, good)[0] == SENT
        assert _state(db, second) == (QUEUED, 0, PENDING)
        assert _never_claimed(db, second)
    clock.advance(seconds=(until - clock.now()).total_seconds() + 1)
    worker.run_once()  # the host has free slots again: both go out
    assert sorted(fake.urls()) == [GOOD, STUCK, STUCK]
    assert _state(db, first)[0] == SENT and _state(db, second)[0] == SENT


def test_a_busy_but_working_destination_only_postpones_the_message(
    db: Database, clock: FakeClock, settings: Settings, fake: FakeSender
) -> None:
    worker = Worker(db, clock, settings, "w1", options=EngineOptions(concurrent_kinds=""))
    first = _queue(db, clock, STUCK, "k1")
    with ExitStack() as stack:  # its slots just filled up: no sign yet that it is stuck
        for _ in range(SLOTS.limit):
            stack.enter_context(SLOTS.take(STUCK))
        worker.run_once()
    with db.session() as session:
        assert lanes.paused_until(session, clock, destination_lane(STUCK)) is None
        job = session.get(Job, _row_job(db, first))
        assert job is not None and job.state == PENDING and job.attempts == 0
        wait = (job.run_at - clock.now()).total_seconds()
    assert delivery.WORKING_WAIT_S[0] <= wait <= delivery.WORKING_WAIT_S[1]
    clock.advance(seconds=wait + 0.01)
    worker.run_once()
    assert fake.urls() == [STUCK]


def _row_job(db: Database, message: Message) -> int:
    with db.session() as session:
        row = session.get(Message, message.id)
        assert row is not None and row.job_id is not None
        return row.job_id
