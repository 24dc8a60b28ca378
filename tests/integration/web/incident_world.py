"""A small organisation for the incident page tests, applied through the real config sections:
two severities (SEV1 needs a second person's approval for `pause-market`), a service paged
through a two-level escalation policy, a runbook, reversible actions run with `echo`, and a
fake notification sender on which the on-call person's push fails."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.web.conftest import UiUser, csrf_of
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

PUSH = "json://127.0.0.1:9/oncall-push"
MAIL = "json://127.0.0.1:9/oncall-mail"

ORG = f"""\
severities:
  - key: SEV1
    name: Critical
    acknowledge_within: 5m
    escalate_while_unresolved:
      - {{after: 30m, notify: [user:lead@shop.test]}}
  - key: SEV2
    name: Major
users:
  - email: oncall@shop.test
    name: On-call
    contact_methods:
      - {{name: push, url: "{PUSH}"}}
      - {{name: mail, url: "{MAIL}"}}
    notification_rules:
      - {{contact: push, after: 0s}}
      - {{contact: mail, after: 0s}}
  - email: lead@shop.test
    name: Lead
    contact_methods: [{{name: push, url: "json://127.0.0.1:9/lead-push"}}]
escalation_policies:
  - key: shop
    levels:
      - notify: [user:oncall@shop.test]
        escalate_after: 10m
      - notify: [user:lead@shop.test]
services:
  - {{key: checkout, name: Checkout, escalation_policy: shop}}
  - {{key: search, name: Search}}
runbooks:
  - key: checkout-errors
    markdown: |
      # Checkout errors

      ## Triage
      - Check the error rate
      - Check the last deploy
action_settings:
  enabled: true
  approval_expiry: 1h
actions:
  - id: pause-market
    title: Pause a market
    kind: command
    argv: [echo, paused, "{{{{ market }}}}"]
    params:
      - {{name: market, type: string, pattern: "[A-Z]{{2,6}}"}}
    undo: {{action: unpause-market, params: {{market: "{{{{ market }}}}"}}}}
    approval: [SEV1]
  - id: unpause-market
    title: Unpause a market
    kind: command
    argv: [echo, unpaused, "{{{{ market }}}}"]
    params: [{{name: market, type: string, pattern: "[A-Z]{{2,6}}"}}]
    reversible: false
"""


@dataclass
class World:
    db: Database
    clock: FakeClock
    settings: Settings
    sender: senders.FakeSender

    def open(self, **fields: Any) -> int:
        """Open an incident through the incidents service; its number."""
        fields.setdefault("actor", "oncall@shop.test")
        fields.setdefault("title", "Checkout fails")
        fields.setdefault("severity", "SEV2")
        with self.db.session() as session:
            incident = incidents.open_incident(session, self.clock, **fields)
            return int(incident.number)

    def work(self) -> int:
        """Run the engine's due jobs (pages, action runs)."""
        return Worker(self.db, self.clock, self.settings, "web-test").run_once()

    def incident(self, number: int) -> Any:
        with self.db.session() as session:
            found = incidents.get_incident(session, number)
            session.expunge(found)
            return found


@pytest.fixture(name="world")
def world_fixture(db: Database, clock: FakeClock, settings: Settings) -> Iterator[World]:
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    fake = senders.FakeSender(permanent={PUSH})
    senders.set_sender(fake)
    yield World(db, clock, settings, fake)
    senders.set_sender(None)


Login = Callable[..., UiUser]


def post(
    client: TestClient, number: int, path: str, data: dict[str, str] | None = None, **kw: Any
) -> Any:
    """Submit one of the incident page's forms as the page's signed-in person would."""
    token = csrf_of(client.get(f"/ui/incidents/{number}").text)
    return client.post(
        f"/ui/incidents/{number}{path}",
        data={"csrf_token": token, **(data or {})},
        follow_redirects=False,
        **kw,
    )


def shown(client: TestClient, number: int) -> str:
    """The incident page after a form's redirect (with its flash messages), entities decoded."""
    page = client.get(f"/ui/incidents/{number}")
    assert page.status_code == 200, page.text
    return html.unescape(page.text)
