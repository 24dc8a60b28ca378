"""A small organisation for paging tests, applied through the real config sections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.paging import service as paging_service  # noqa: F401  (subscribes to events)
from warroom.settings import Settings

HOOK = "json://127.0.0.1:9"


ORG = """\
severities:
  - key: P0
    name: Critical
    acknowledge_within: 5m
    escalate_while_unresolved:
      - {after: 30m, notify: [user:lead@atlas.test]}
      - {after: 1h, notify: [user:cto@atlas.test]}
  - key: P2
    name: Medium
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {name: push, url: "json://127.0.0.1:9/oncall1-push"}
      - {name: mail, url: "json://127.0.0.1:9/oncall1-mail"}
    notification_rules:
      - {contact: push, after: 0s}
      - {contact: mail, after: 2m}
  - email: oncall2@atlas.test
    name: On-call Two
    contact_methods: [{name: push, url: "json://127.0.0.1:9/oncall2-push"}]
  - email: lead@atlas.test
    name: Tech Lead
    contact_methods: [{name: push, url: "json://127.0.0.1:9/lead-push"}]
  - email: cto@atlas.test
    name: CTO
    contact_methods: [{name: push, url: "json://127.0.0.1:9/cto-push"}]
teams:
  - key: sre
    name: SRE
    members: [oncall1@atlas.test, oncall2@atlas.test]
schedules:
  - key: atlas-primary
    name: Atlas primary
    time_zone: UTC
    team: sre
    handoff_notify: false
    layers:
      - name: daily
        participants: [oncall1@atlas.test, oncall2@atlas.test]
        shift: daily
        start: "2026-01-01"
        handoff: "09:00"
escalation_policies:
  - key: atlas
    levels:
      - notify: [schedule:atlas-primary]
        escalate_after: 5m
      - notify: [user:lead@atlas.test]
        escalate_after: 10m
services:
  - key: api
    name: API
    escalation_policy: atlas
"""


def apply(db: Database, clock: FakeClock, text: str = ORG) -> None:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


@pytest.fixture
def sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "test-worker")


def who(urls: list[str]) -> list[str]:
    """The contact names of delivered URLs, sorted, duplicates kept (a double page shows)."""
    return sorted(u.rsplit("/", 1)[-1] for u in urls)


def minutes(text: str) -> timedelta:
    return timedelta(minutes=float(text.rstrip("m")))
