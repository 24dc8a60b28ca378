"""examples/oracle: "7.6 Signature Verification Failure ... Actions (treat as SEV0 until proven
otherwise)" (000_b3c9b32ab165c1d5.txt, l.298). The invalid_bundle_count alert opens a SEV1
("repeated invalid bundles", l.52) with the 7.6 playbook; the checklist the responder ticks
says how to treat it as SEV0 (the command that raises it, paging the core team and, unresolved,
the CTO and security), as its other steps name the kill switch's command."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.examples.conftest import apply_pack, fire
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.runbooks.models import RunbookRun
from warroom.settings import Settings


def test_the_signature_playbook_says_how_to_treat_it_as_sev0(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    sender: senders.FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    monkeypatch.delenv("ORACLE_PROMETHEUS_TOKEN", raising=False)
    apply_pack(db, clock, "oracle")
    [number] = fire(client, {"alertname": "invalid_bundle_count"}, clock.now())
    worker = Worker(db, clock, settings, "signatures")
    while worker.run_once():
        pass
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert incident.severity == "SEV1"
        runs = {
            run.runbook_key: run.document
            for run in session.scalars(
                select(RunbookRun).where(RunbookRun.incident_id == incident.id)
            )
        }
    playbook = str(runs["signature-verification-failure"])
    assert "warroom incident severity N SEV0" in playbook
    assert "warroom action run publish-kill-switch" in playbook
