"""Two public subscriptions at once (PostgreSQL, forced with a pause right after the first one
read the address's pending subscriptions): the second waits for the first to commit, then sees
its row. One address is mailed once; the hourly cap of confirm mails is not passed.
The SQLite variant: the checks are read inside the write transaction."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.concurrency.world import Pause, Run, WriteProbe, paused, wait_blocked_or_done
from warroom.db import Database
from warroom.notify.models import Message
from warroom.settings import Settings
from warroom.statuspage import subscribers
from warroom.statuspage.models import Subscriber

World = tuple[Database, Settings, TestClient, str]
# The check for a pending subscription of the address: the first of the two checks.
PENDING = r"FROM status_subscribers\s+WHERE .* status_subscribers\.target ="


def _subscribe(client: TestClient, email: str) -> Any:
    return client.post("/status/subscribers", data={"email": email})


def _stored(db: Database) -> tuple[int, int]:
    """(subscriber rows, confirm mails queued)."""
    with db.session() as session:
        rows = session.scalar(select(func.count(Subscriber.id)))
        mails = session.scalar(
            select(func.count(Message.id)).where(Message.purpose == "status_subscriber")
        )
        return int(rows or 0), int(mails or 0)


def _race(db: Database, client: TestClient, first: str, second: str) -> tuple[Any, Any]:
    """Request one stops after its pending look-up; request two must wait for it."""
    done: list[int] = []
    pause = Pause(PENDING, only=lambda: not done)
    with paused(db, pause):
        one = Run(lambda: _subscribe(client, first))
        one.start()
        pause.wait_reached()  # request one has checked, and not yet inserted
        done.append(1)  # from now on the pause matches nobody
        two = Run(lambda: _subscribe(client, second))
        two.start()
        assert wait_blocked_or_done(db, two), "the second request must wait for the first"
        pause.resume()
        return one.outcome(), two.outcome()


def test_one_address_subscribed_twice_at_once_is_mailed_once(pg_world: World) -> None:
    db, _, client, _ = pg_world
    one, two = _race(db, client, "twice@example.com", "Twice@example.com")
    assert (one.status_code, two.status_code) == (202, 202), (one.text, two.text)
    assert _stored(db) == (1, 1)


def test_the_hourly_cap_holds_for_requests_at_once(
    pg_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _, client, _ = pg_world
    monkeypatch.setattr(subscribers, "CONFIRM_MAILS_PER_HOUR", 1)
    one, two = _race(db, client, "first@example.com", "second@example.com")
    assert one.status_code == 202, one.text
    assert two.status_code == 429, two.text
    assert _stored(db) == (1, 1)


def test_sqlite_reads_the_checks_inside_the_write_transaction(lite_world: World) -> None:
    db, _, client, _ = lite_world
    # Another writer, at the moment the request checks, must be refused: the request
    # already holds the write lock, so no subscription can be stored in between.
    probe = WriteProbe(db)
    pause = Pause(PENDING)
    pause.inside = probe
    with paused(db, pause):
        one = Run(lambda: _subscribe(client, "lite@example.com"))
        one.start()
        pause.wait_reached()
        pause.resume()
        assert one.outcome().status_code == 202
    assert probe.locked_out
    assert _stored(db) == (1, 1)
