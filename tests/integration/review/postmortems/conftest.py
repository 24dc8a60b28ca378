"""Fixtures the postmortem tests share: a fake sender that keeps what would be sent, and the
real engine worker on the test clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings


@pytest.fixture
def sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "postmortem-test")
