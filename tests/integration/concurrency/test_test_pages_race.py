"""Two requests for test pages to the same person at once (PostgreSQL, forced with a pause
right after the first one read when the last round went out): the second waits on the
person's user row, then sees the first round and gets the 429; the person is paged once.
The SQLite variant: the last round is read inside the write transaction."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.concurrency.world import Pause, Run, WriteProbe, paused, wait_blocked_or_done
from warroom.auth import service as auth_service
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify.models import Message
from warroom.paging.reachability import TEST_PURPOSE
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
PERSON = "oncall@race.test"  # one contact method in the world's org
# The interval check: when this person's last round of test pages went out.
LAST_ROUND = r"SELECT max\(notify_messages\.created_at\)"


def _admin_token(db: Database, clock: FakeClock) -> str:
    with db.session() as session:
        user = auth_service.ensure_user(
            session, clock, email="admin@race.test", name="Admin", role="admin"
        )
        _, token = auth_service.create_token(session, clock, user, name="race-admin")
    return token


def _test_pages(client: TestClient, token: str) -> Any:
    return client.post(
        "/api/v1/notifications/test",
        json={"user": PERSON},
        headers={"Authorization": f"Bearer {token}"},
    )


def _rounds(db: Database) -> int:
    with db.session() as session:
        query = (
            select(func.count(Message.id))
            .join(User, User.id == Message.user_id)
            .where(User.email == PERSON, Message.purpose == TEST_PURPOSE)
        )
        return int(session.scalar(query) or 0)


def test_two_simultaneous_requests_page_the_person_once(
    pg_world: World, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="warroom")
    db, _, client, _ = pg_world
    admin = _admin_token(db, clock)
    first: list[int] = []
    pause = Pause(LAST_ROUND, only=lambda: not first)
    with paused(db, pause):
        one = Run(lambda: _test_pages(client, admin))
        one.start()
        pause.wait_reached()  # request one saw no earlier round and has not queued its own
        first.append(-1)  # from now on the pause matches nobody
        two = Run(lambda: _test_pages(client, admin))
        two.start()
        assert wait_blocked_or_done(db, two), "the second request must wait for the first"
        pause.resume()
        answer_one, answer_two = one.outcome(), two.outcome()
    assert answer_one.status_code == 202, answer_one.text
    assert answer_two.status_code == 429, answer_two.text
    assert answer_two.headers["Retry-After"] == "60"
    assert answer_two.json()["error"]["field"] == "user"
    assert _rounds(db) == 1  # one contact method, one round
    # Ordered by the lock, not rescued by a retry: no deadlock happened on the way.
    assert not [r for r in caplog.records if "transient" in r.getMessage()]


def test_sqlite_reads_the_last_round_inside_the_write_transaction(
    lite_world: World, clock: FakeClock
) -> None:
    db, _, client, _ = lite_world
    admin = _admin_token(db, clock)
    # Another writer, at the moment the request reads the last round, must be refused:
    # it already holds the write lock, so no other round can be queued in between.
    probe = WriteProbe(db)
    pause = Pause(LAST_ROUND)
    pause.inside = probe
    with paused(db, pause):
        one = Run(lambda: _test_pages(client, admin))
        one.start()
        pause.wait_reached()
        pause.resume()
        assert one.outcome().status_code == 202
    assert probe.locked_out
    assert _test_pages(client, admin).status_code == 429
    assert _rounds(db) == 1
