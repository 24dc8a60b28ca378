"""Fixtures for forced interleavings: an app, a client and tokens on a chosen database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BindApp
from tests.integration.concurrency.world import apply
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify import senders
from warroom.settings import Settings


@pytest.fixture
def fake_sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def _setup(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any
) -> tuple[Settings, TestClient, str]:
    settings = Settings(database_url=db.url, secret_key="test-secret", data_dir=tmp_path)
    apply(db, clock)
    with db.session() as session:
        user = auth_service.ensure_user(
            session, clock, email="responder@race.test", name="Responder", role="responder"
        )
        _, token = auth_service.create_token(session, clock, user, name="race")
    return settings, TestClient(bind_app(settings, db, clock)), token


@pytest.fixture
def pg_world(
    bind_app: BindApp,
    pg_db: Database,
    clock: FakeClock,
    tmp_path: Any,
    fake_sender: senders.FakeSender,
) -> Iterator[tuple[Database, Settings, TestClient, str]]:
    settings, client, token = _setup(bind_app, pg_db, clock, tmp_path)
    with client:
        yield pg_db, settings, client, token


@pytest.fixture
def lite_world(
    bind_app: BindApp,
    sqlite_db: Database,
    clock: FakeClock,
    tmp_path: Any,
    fake_sender: senders.FakeSender,
) -> Iterator[tuple[Database, Settings, TestClient, str]]:
    settings, client, token = _setup(bind_app, sqlite_db, clock, tmp_path)
    with client:
        yield sqlite_db, settings, client, token


@pytest.fixture
def any_world(
    bind_app: BindApp,
    db: Database,
    clock: FakeClock,
    tmp_path: Any,
    fake_sender: senders.FakeSender,
) -> Iterator[tuple[Database, Settings, TestClient, str]]:
    settings, client, token = _setup(bind_app, db, clock, tmp_path)
    with client:
        yield db, settings, client, token
