"""examples/exchange: "Issue Action Items (Jira tickets) for prevention" (002_01e152e679e932ca.txt,
3.4): every action item of an incident goes to the tracker as it is created, through the
engine, to the webhook EXCHANGE_JIRA_WEBHOOK_URL names (here a real local HTTP receiver)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.integration.examples.conftest import apply_pack, payloads
from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.review.action_items import service as action_items
from warroom.settings import Settings


@pytest.fixture
def tracker(sender: senders.FakeSender) -> Iterator[HttpReceiver]:
    with http_receiver() as receiver:  # pages go to the recording sender
        yield receiver


def test_every_exchange_action_item_becomes_a_ticket(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    tracker: HttpReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    monkeypatch.setenv("EXCHANGE_JIRA_WEBHOOK_URL", f"http://{tracker.url}/jira")
    apply_pack(db, clock, "exchange")
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="alertmanager", title="Balance conservation fails",
            severity="P0", services=["ledger-db"],
        )  # fmt: skip
        incidents.resolve(session, clock, incident, actor="ic@exchange.example")
        action_items.create(
            session, clock, incident, title="Check balance conservation before each deploy",
            owner="ops-lead@exchange.example", impact="high", effort="low",
            actor="ic@exchange.example",
        )  # fmt: skip
        incident_id = incident.id
    worker = Worker(db, clock, settings, "tickets")
    while worker.run_once():
        pass
    [ticket] = tracker.to("/jira")
    sent = json.loads(ticket.body)
    assert sent["title"] == "Check balance conservation before each deploy"
    assert (sent["owner"], sent["priority"]) == ("ops-lead@exchange.example", "P0")
    assert sent["incident"]["ref"] == "INC-1"
    assert payloads(db, incident_id, "review:action_item:exported")
