"""Status page fixtures: an app whose e-mail goes to a real local SMTP server, and a worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BindApp
from tests.integration.notify.receivers import HttpReceiver, Mailbox, http_receiver, smtp_server
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings


def mail_text(mail: object) -> str:
    """A received mail as text, quoted-printable soft line breaks undone."""
    return str(mail).replace("=\r\n", "").replace("=\n", "").replace("\r\n", "\n")


@pytest.fixture
def receivers() -> Iterator[tuple[Mailbox, HttpReceiver]]:
    with smtp_server() as box, http_receiver() as hooks:
        yield box, hooks


@pytest.fixture
def world(
    bind_app: BindApp,
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    receivers: tuple[Mailbox, HttpReceiver],
) -> Iterator[tuple[TestClient, Worker, Settings]]:
    box, _ = receivers
    smtp = f"mailto://127.0.0.1:{box.port}?from=status@corp.test&mode=insecure"
    settings = Settings(database_url=db.url, secret_key="canary-secret", data_dir=tmp_path,
                        smtp_url=smtp, public_url="http://status.test")  # fmt: skip
    app = bind_app(settings, db, clock)
    with TestClient(app) as client:
        yield client, Worker(db, clock, settings, "statuspage-test"), settings


def drain(worker: Worker, clock: FakeClock) -> None:
    """Run the engine until the queued jobs and the messages they queue are done."""
    for _ in range(4):
        worker.run_once()
        clock.advance(seconds=10)
