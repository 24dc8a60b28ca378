"""A cadence reminder's 'Post it with: warroom update N --state STATE ...' names the state the
incident's updates last said: copied as it stands, it must not take the status page (and the
subscribers' mail) back to 'investigating' from 'monitoring'."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.integration.comms.org import apply, org
from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    senders.set_sender(None)
    with http_receiver() as r:
        yield r


def step(worker: Worker, clock: FakeClock, minutes: float) -> None:
    clock.advance(minutes=minutes)
    while worker.run_once():
        pass


def reminders(receiver: HttpReceiver, audience: str) -> list[str]:
    """The bodies of the reminders the on-call engineer got for one audience."""
    found = [json.loads(r.body) for r in receiver.to("/oncall")]
    return [m["message"] for m in found if f"{audience} update due" in m["title"]]


def post(db: Database, clock: FakeClock, number: int, state: str, public: str | None) -> None:
    with db.session() as session:
        comms.post_update(
            session, clock, number=number, state=state, internal="internal words",
            public=public, smtp_url="mailto://localhost", actor="comms@corp.test",
        )  # fmt: skip
        session.commit()


def test_the_reminder_suggests_the_state_last_said(
    db: Database, clock: FakeClock, settings: Settings, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    worker = Worker(db, clock, settings, "reminder-state")
    with db.session() as session:
        number = incidents.open_incident(
            session, clock, actor="test", title="Checkout down", severity="P0", services=["api"]
        ).number
        session.commit()
    step(worker, clock, 10)  # nothing said yet: the first reminders suggest investigating
    assert (
        f"warroom update {number} --state investigating --internal"
        in reminders(receiver, "internal")[0]
    )
    post(db, clock, number, "monitoring", "A fix is in place; we are watching.")
    post(db, clock, number, "identified", None)  # internal only: the page still says monitoring
    step(worker, clock, 26)  # internal every 30m: its reminder 5 minutes before
    [_, internal] = reminders(receiver, "internal")
    assert "--state identified --internal" in internal
    step(worker, clock, 30)  # external every 1h (from the public update at 10m)
    [first, external] = reminders(receiver, "external")
    assert "--state investigating --internal" in first  # at 10m, before any update
    assert "--state monitoring --internal" in external and '--public "..."' in external


def test_a_reopened_incident_is_not_suggested_resolved(
    db: Database, clock: FakeClock, settings: Settings, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    worker = Worker(db, clock, settings, "reminder-reopened")
    with db.session() as session:
        number = incidents.open_incident(
            session, clock, actor="test", title="Checkout down", severity="P0", services=["api"]
        ).number
        session.commit()
    post(db, clock, number, "resolved", "Fixed.")
    with db.session() as session:
        incidents.reopen(session, clock, incidents.get_incident(session, number), actor="test")
        session.commit()
    step(worker, clock, 10)  # first_update_within 15m again: reminded at 10m
    for audience in ("internal", "external"):
        [text] = reminders(receiver, audience)
        assert f"warroom update {number} --state investigating --internal" in text
