"""A Prometheus rule written from a pack's document labels its alert with the document's level
(`severity: P0`), and the alert opens an incident of that level, paged by that level's policy.

examples/atlas: the runbook's "Incident Severity Quick Reference" (004_61eb39e2ba419efa.txt:
"DATABASE CORRUPTION → P0", "MERKLE TREE INVALID → P0", "JOB STUCK >12H → P1", ...) is a
table from what an alert means to its level; such an alert opened a P2 (the route's default
for an unknown severity), paging nobody. examples/exchange ("P0: ... total outage",
002_01e152e679e932ca.txt section 2) opened a P2 likewise, examples/oracle ("SEV0: widespread
publish halt on production", 000_b3c9b32ab165c1d5.txt section 2) a SEV3."""

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


@pytest.mark.parametrize(
    ("pack", "alertname", "service", "level", "policy"),
    [
        ("atlas", "PersistenceIntegrityCheck", "persistence-db", "P0", "atlas-p0"),  # DB corrupt
        ("atlas", "ExtractionJobStuck", "extraction-jobs", "P1", "atlas-oncall"),  # JOB STUCK
        ("atlas", "RegistryStale", "providers", "P3", None),  # REGISTRY STALENESS
        ("atlas", "ProofValidationErrors", "proof-validation", "critical", "atlas-oncall"),
        ("exchange", "PublicApiDown", "public-api", "P0", "trading-core-p0"),  # total outage
        ("exchange", "WebUiGlitch", "web-ui", "P3", None),  # "Cosmic UI glitches"
        ("oracle", "PublishHalted", "submitter", "SEV0", "oracle-sev0"),  # widespread halt
        ("oracle", "ConnectorDown", "ingestor", "SEV2", None),  # individual connector outage
    ],
)
def test_an_alert_labelled_with_the_quick_references_level_opens_that_level(
    pack: str,
    alertname: str,
    service: str,
    level: str,
    policy: str | None,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    sender: senders.FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    monkeypatch.delenv(f"{pack.upper()}_PROMETHEUS_TOKEN", raising=False)
    apply_pack(db, clock, pack)
    labels = {"alertname": alertname, "service": service, "severity": level}
    [number] = fire(client, labels, clock.now())
    worker = Worker(db, clock, settings, "alert-levels")
    while worker.run_once():
        pass
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert incident.severity == {"critical": "P1"}.get(level, level)
        incident_id = incident.id
    [planned] = payloads(db, incident_id, "paging:escalation:planned")
    assert planned.get("policy") == policy, planned
