"""Paging addresses e-mail through the settings it is given, never a fresh Settings()."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

SMTP = "mailto://mail.passed-in.test:2525?from=warroom@atlas.test"
PUSH = "json://127.0.0.1:9/oncall1-push"

ORG = f"""\
severities:
  - {{key: P0, name: Critical}}
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {{name: push, url: "{PUSH}"}}
      - {{name: email, email: oncall1@atlas.test}}
    notification_rules:
      - {{contact: push, after: 0s}}
      - {{contact: email, after: 2m}}
escalation_policies:
  - key: atlas
    levels:
      - notify: [user:oncall1@atlas.test]
services:
  - {{key: api, name: API, escalation_policy: atlas}}
"""


@pytest.fixture
def fake() -> Iterator[senders.FakeSender]:
    sender = senders.FakeSender(failing={PUSH})
    senders.set_sender(sender)
    yield sender
    senders.set_sender(None)


def test_later_rules_and_failover_mail_through_the_given_smtp_url(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    fake: senders.FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_SMTP_URL", "mailto://from-the-environment.test")
    settings.smtp_url = SMTP
    apply(db, clock, ORG)
    with db.session() as session:
        incidents.open_incident(
            session, clock, actor="am", title="Proofs down", severity="P0", services=["api"]
        )
    worker = Worker(db, clock, settings, "w1")
    worker.run_once()  # the push fails: failover to e-mail at once
    clock.advance(minutes=3)
    worker.run_once()  # the e-mail rule is due (already used by the failover: not again)
    mails = [url for url in fake.urls() if url.startswith("mailto:")]
    assert mails == [f"{SMTP}&to=oncall1@atlas.test"]
