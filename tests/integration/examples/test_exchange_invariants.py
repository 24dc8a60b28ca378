"""examples/exchange: "P0 (Critical): Financial invariant broken, ME crash, total outage" and
"If Financial Invariants are violated (e.g., balance conservation fails): IMMEDIATELY HALT
TRADING" (002_01e152e679e932ca.txt, sections 2 and 3.1). A critical Alertmanager alert that a
financial invariant is broken opens a P0 (paged on the 5-minute clock) with the lifecycle
checklist whose assessment step halts trading, whatever service raised it; the ledger's
balance check was a P1 with no checklist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.integration.examples.conftest import apply_pack, fire, payloads
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


def test_a_broken_financial_invariant_is_a_p0_with_the_halt_trading_checklist(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    sender: senders.FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    monkeypatch.delenv("EXCHANGE_PROMETHEUS_TOKEN", raising=False)
    apply_pack(db, clock, "exchange")
    labels = {"alertname": "LedgerInvariant", "service": "ledger-db", "severity": "critical"}
    [number] = fire(client, labels | {"invariant": "financial"}, clock.now())
    worker = Worker(db, clock, settings, "invariants")
    while worker.run_once():
        pass
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert (incident.severity, [s.service_key for s in incident.services]) == (
            "P0",
            ["ledger-db"],
        )
        incident_id = incident.id
    [planned] = payloads(db, incident_id, "paging:escalation:planned")
    assert planned["policy"] == "trading-core-p0"
    attached = payloads(db, incident_id, "runbook:runbook:attached")
    assert [p["runbook"] for p in attached] == ["incident-lifecycle"]
