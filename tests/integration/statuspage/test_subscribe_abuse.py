"""The public subscribe form: a pending address is not mailed twice, a client is rate limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain
from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings
from warroom.statuspage import subscribers
from warroom.statuspage.models import Subscriber
from warroom.statuspage.ratelimit import SUBSCRIBE_LIMIT


def _rows(db: Database) -> int:
    with db.session() as session:
        return session.query(Subscriber).count()


def test_a_pending_address_is_not_stored_or_mailed_again(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    for address in ("r@example.com", "R@example.com ", "r@example.com"):
        assert client.post("/status/subscribers", data={"email": address}).status_code == 202
    drain(worker, clock)
    assert len(box.messages) == 1 and _rows(db) == 1
    clock.advance(minutes=11)  # the confirm mail may have been lost: a new one after a while
    assert client.post("/status/subscribers", data={"email": "r@example.com"}).status_code == 202
    drain(worker, clock)
    assert len(box.messages) == 2 and _rows(db) == 2


def test_a_client_posting_too_often_gets_429_with_retry_after(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    for n in range(SUBSCRIBE_LIMIT):
        answer = client.post("/status/subscribers", data={"email": f"r{n}@example.com"})
        assert answer.status_code == 202, answer.text
    refused = client.post("/status/subscribers", data={"email": "flood@example.com"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    drain(worker, clock)
    assert len(box.messages) == SUBSCRIBE_LIMIT and _rows(db) == SUBSCRIBE_LIMIT
    clock.advance(timedelta(minutes=10))
    assert client.post("/status/subscribers", data={"email": "late@example.com"}).status_code == 202
    spec = client.get("/openapi.json").json()["paths"]["/status/subscribers"]["post"]
    assert "Retry-After" in spec["responses"]["429"]["headers"]


def test_confirm_mails_are_capped_per_hour_whoever_asks(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Many clients each under their own limit still cannot make the form mail strangers
    without end: past the hourly cap the form answers 429 and stores nothing."""
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    monkeypatch.setattr(subscribers, "CONFIRM_MAILS_PER_HOUR", 3)
    for n in range(3):
        assert client.post("/status/subscribers", data={"email": f"s{n}@example.com"}).is_success
        clock.advance(minutes=5)
    refused = client.post("/status/subscribers", data={"email": "s3@example.com"})
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limited"
    # The first of the hour's three leaves the window 45 minutes on (+1 s).
    assert int(refused.headers["Retry-After"]) == 45 * 60 + 1
    drain(worker, clock)
    assert len(box.messages) == 3 and _rows(db) == 3
    clock.advance(minutes=46)
    assert client.post("/status/subscribers", data={"email": "s3@example.com"}).is_success
    drain(worker, clock)
    assert len(box.messages) == 4 and _rows(db) == 4


def test_unconfirmed_subscriptions_are_forgotten_once_their_link_expired(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver],
) -> None:  # fmt: skip
    client, _, _ = world
    apply(db, clock)
    assert client.post("/status/subscribers", data={"email": "old@example.com"}).is_success
    clock.advance(subscribers.CONFIRM_TTL - timedelta(minutes=1))
    assert client.post("/status/subscribers", data={"email": "new@example.com"}).is_success
    assert _rows(db) == 2  # the first link is still good
    clock.advance(minutes=2)
    assert client.post("/status/subscribers", data={"email": "newer@example.com"}).is_success
    with db.session() as session:
        kept = sorted(session.scalars(select(Subscriber.target)))
    assert kept == ["new@example.com", "newer@example.com"]
