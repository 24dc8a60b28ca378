"""examples/exchange: "P0 (Critical): Financial invariant broken, ME crash, total outage" and
"If Financial Invariants are violated (e.g., balance conservation fails): IMMEDIATELY HALT
TRADING" (002_01e152e679e932ca.txt, sections 2 and 3.1). A critical Alertmanager alert that a
financial invariant is broken opens a P0 (paged on the 5-minute clock) with the lifecycle
checklist whose assessment step halts trading, whatever service raised it; the ledger's
balance check was a P1 with no checklist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import MakeToken
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

EXCHANGE = Path(__file__).resolve().parents[3] / "examples" / "exchange"


@pytest.fixture
def sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def _alert(clock: FakeClock, labels: dict[str, str]) -> dict[str, object]:
    return {
        "version": "4",
        "status": "firing",
        "receiver": "warroom",
        "groupKey": "{}:{}",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": "balance conservation check failing"},
                "startsAt": clock.now().isoformat(),
                "fingerprint": "0f1e2d3c4b5a6978",
            }
        ],
    }


def test_a_broken_financial_invariant_is_a_p0_with_the_halt_trading_checklist(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    sender: senders.FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    monkeypatch.delenv("EXCHANGE_PROMETHEUS_TOKEN", raising=False)
    doc, problems = config_service.load_directory(EXCHANGE)
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    labels = {"alertname": "LedgerInvariant", "service": "ledger-db", "severity": "critical"}
    labels["invariant"] = "financial"
    r = client.post(
        "/api/v1/intake/alertmanager",
        json=_alert(clock, labels),
        headers={"Authorization": "Bearer demo-prometheus-token-change-me"},
    )
    assert r.status_code == 202, r.text
    [number] = r.json()["incidents"]
    worker = Worker(db, clock, settings, "invariants")
    while worker.run_once():
        pass
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert (incident.severity, [s.service_key for s in incident.services]) == (
            "P0",
            ["ledger-db"],
        )
        events = {
            e.kind: e.payload
            for e in session.scalars(
                select(TimelineEvent).where(TimelineEvent.incident_id == incident.id)
            )
        }
    assert events["paging:escalation:planned"]["policy"] == "trading-core-p0"
    assert events["runbook:runbook:attached"]["runbook"] == "incident-lifecycle"
