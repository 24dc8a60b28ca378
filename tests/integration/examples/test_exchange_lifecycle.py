"""examples/exchange: the document is "the standard operating procedure for handling severity
incidents (P0-P3)" (002_01e152e679e932ca.txt, l.8); its lifecycle (3.1-3.4: acknowledge,
assess the financial invariants and halt trading, assign roles, contain, post-mortem "for any
P0/P1") is every incident's checklist. It attached only to the matching engine's P0s: a P1
"single service down" on the order service had no checklist at all."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.examples.conftest import apply_pack, payloads
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

CASES = [("P0", "public-api"), ("P1", "order-service"), ("P2", "ledger-db"), ("P3", "web-ui")]


def test_every_exchange_incident_gets_the_lifecycle_checklist(
    db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    clock.set(datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    apply_pack(db, clock, "exchange")
    with db.session() as session:
        opened = {
            severity: incidents.open_incident(
                session, clock, actor="oncall@exchange.example", title=f"{severity} on {service}",
                severity=severity, services=[service],
            ).id
            for severity, service in CASES
        }  # fmt: skip
    worker = Worker(db, clock, settings, "lifecycle")
    while worker.run_once():
        pass
    attached = {
        severity: [p["runbook"] for p in payloads(db, incident_id, "runbook:runbook:attached")]
        for severity, incident_id in opened.items()
    }
    assert attached == {severity: ["incident-lifecycle"] for severity, _ in CASES}
