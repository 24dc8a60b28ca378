"""An organisation for drill tests: people reached by real e-mail (a local SMTP server) and a
webhook, a team channel, a status page; an app and a worker that deliver for real."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BindApp
from tests.integration.notify.receivers import HttpReceiver, Mailbox, http_receiver, smtp_server
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings


def org(hook: str, extra: str = "") -> str:
    """P0-P2, two people (e-mail + webhook), a team with a channel, a status page."""
    return f"""\
severities:
  - {{key: P0, name: Critical, internal_update_every: 30m, external_update_every: 1h}}
  - {{key: P1, name: High}}
  - {{key: P2, name: Medium, escalation_policy: core}}
users:
  - email: ic@corp.test
    name: IC
    contact_methods:
      - {{name: mail, email: ic@corp.test}}
      - {{name: hook, url: "http://{hook}/ic"}}
    notification_rules:
      - {{contact: mail, after: 0}}
      - {{contact: hook, after: 0}}
  - email: oncall@corp.test
    name: On call
    contact_methods: [{{name: hook, url: "http://{hook}/oncall"}}]
teams:
  - key: core
    name: Core
    members: [oncall@corp.test]
    schedule: core-primary
    channels: [core-room]
schedules:
  - key: core-primary
    layers:
      - {{name: all, participants: [oncall@corp.test], shift: weekly, start: "2025-12-29"}}
channels:
  - {{key: core-room, name: "#core", url: "json://{hook}/core-room"}}
escalation_policies:
  - {{key: core, levels: [{{notify: [oncall:core, channel:core-room]}}]}}
services:
  - {{key: checkout, name: Checkout, team: core}}
status_page:
  title: Corp Status
  groups:
    - name: Shop
      components:
        - {{service: checkout}}
{extra}"""


def apply(db: Database, clock: FakeClock, text: str) -> None:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


@dataclass
class World:
    client: TestClient
    worker: Worker
    settings: Settings
    box: Mailbox
    hooks: HttpReceiver

    def drain(self, clock: FakeClock, rounds: int = 4) -> None:
        """Run the engine until what is due (and the messages it queues) is done."""
        for _ in range(rounds):
            while self.worker.run_once():
                pass
            clock.advance(seconds=10)


@pytest.fixture
def world(bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Path) -> Iterator[World]:
    with smtp_server() as box, http_receiver() as hooks:
        smtp = f"mailto://127.0.0.1:{box.port}?from=warroom@corp.test&mode=insecure"
        settings = Settings(database_url=db.url, secret_key="drill-secret", data_dir=tmp_path,
                            smtp_url=smtp, public_url="http://warroom.test")  # fmt: skip
        app = bind_app(settings, db, clock)
        with TestClient(app) as client:
            yield World(client, Worker(db, clock, settings, "drills"), settings, box, hooks)
