"""The example packs carry their reference documents' runbooks, wired to the documents' alerts.

Each pack is applied as shipped (examples/<pack>/), one of its document's alerts goes through
the real Alertmanager intake API, the engine worker attaches the runbooks on the fake clock, and
the incident's checklist holds the document's steps and commands.
Documents: /work/shared/reference/seeds/000_b3c9b32ab165c1d5.txt (oracle),
002_01e152e679e932ca.txt (exchange), 004_61eb39e2ba419efa.txt (atlas).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.runbooks.conftest import apply_dir
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
TOKEN = "pack-prometheus-token-0123456789"
Headers = dict[str, str]


@pytest.fixture(autouse=True)
def _pack_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ORACLE_PROMETHEUS_TOKEN", TOKEN)
    monkeypatch.setenv("EXCHANGE_PROMETHEUS_TOKEN", TOKEN)
    fake = senders.FakeSender()  # the packs page people: nothing leaves the test
    senders.set_sender(fake)
    yield
    senders.set_sender(None)


def _fire(client: TestClient, labels: dict[str, str]) -> None:
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": labels["alertname"]},
        "startsAt": "2026-03-10T14:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
    }
    body = {
        "receiver": "warroom",
        "status": "firing",
        "alerts": [alert],
        "groupLabels": {"alertname": labels["alertname"]},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://am.example.internal",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{labels["alertname"]}"}}',
        "truncatedAlerts": 0,
    }
    headers = {"Authorization": f"Bearer {TOKEN}"}
    r = client.post("/api/v1/intake/alertmanager", json=body, headers=headers)
    assert r.status_code == 202, r.text


def _played(db: Database, clock: FakeClock, settings: Settings, pack: str) -> Worker:
    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    apply_dir(db, clock, EXAMPLES / pack)
    return Worker(db, clock, settings, "test")


def _drain(worker: Worker) -> None:
    for _ in range(20):
        if not worker.run_once():
            return


def _runs(client: TestClient, headers: Headers, number: str) -> dict[str, dict[str, Any]]:
    r = client.get(f"/api/v1/incidents/{number}/runbooks", headers=headers)
    assert r.status_code == 200, r.text
    return {run["runbook"]: run for run in r.json()["runs"]}


def _incident(client: TestClient, headers: Headers, number: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/incidents/{number}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _texts(run: dict[str, Any], kind: str) -> list[str]:
    return [
        s["text"] if kind != "command" else s["code"] for s in run["steps"] if s["kind"] == kind
    ]


def test_oracle_signer_alert_attaches_its_playbook_and_the_process(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    viewer_headers: Headers,
) -> None:
    worker = _played(db, clock, settings, "oracle")
    _fire(client, {"alertname": "signer_threshold_miss_count", "severity": "critical"})
    _drain(worker)
    incident = _incident(client, viewer_headers, "INC-1")
    assert incident["severity"] == "SEV1"
    runs = _runs(client, viewer_headers, "INC-1")
    # 7.5 by the alert's route, its service and its front matter (whichever job runs first);
    # the process (triage, controls, quick commands) by its front matter's SEV1
    assert runs.keys() == {"signer-threshold-miss-signer-outage", "incident-response-ops"}
    assert runs["incident-response-ops"]["reason"] == "match"

    playbook = runs["signer-threshold-miss-signer-outage"]
    steps = _texts(playbook, "step")
    assert len(steps) == 10  # 3 symptoms, 4 actions (+1 nested), 2 recovery
    assert steps[:3] == [
        "threshold not met",
        "signer agent timeouts",
        "signature collection p95 spikes",
    ]
    assert "Failover to backup signers if configured." in steps
    assert any("warroom action run publish-kill-switch" in s for s in steps)
    assert playbook["progress"]["line"] == "0/10 done"

    process = runs["incident-response-ops"]
    commands = _texts(process, "command")
    assert len(commands) == 4  # "12. Quick Commands"
    assert "kubectl -n m0-prod scale deploy/m0-submitter --replicas=0" in commands[0]
    assert any("SOLANA_RPC_URL=https://backup-rpc.example.com" in c for c in commands)
    process_steps = _texts(process, "step")
    assert "Start incident timeline document." in process_steps
    assert any("warroom action run switch-rpc" in s for s in process_steps)
    # the checklist part of the document only: its goals, non-goals, severity definitions,
    # roles and review are configuration, not steps to tick at 3am
    for not_a_step in ("Providing legal advice.", "owns coordination and decisions",
                       "write postmortem with timeline and root cause"):  # fmt: skip
        assert not_a_step not in process_steps
    assert process["progress"]["line"] == f"0/{len(process_steps) + len(commands)} done"


def test_oracle_watermark_alert_attaches_the_data_source_playbook_once(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    viewer_headers: Headers,
) -> None:
    worker = _played(db, clock, settings, "oracle")
    _fire(client, {"alertname": "watermark_lag_ms", "severity": "warning"})
    _drain(worker)
    assert _incident(client, viewer_headers, "INC-1")["severity"] == "SEV2"
    runs = _runs(client, viewer_headers, "INC-1")
    # named by the route, the ingestor service and its own front matter: attached once; the
    # process is for SEV0/SEV1 only
    assert runs.keys() == {"data-source-outage-degradation"}
    steps = _texts(runs["data-source-outage-degradation"], "step")
    assert len(steps) == 13
    assert steps[0] == "coverage_ratio drops"
    assert "Start provider escalation." in steps


def test_exchange_critical_matching_engine_alert_is_p0_with_the_halt_trading_lifecycle(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    viewer_headers: Headers,
) -> None:
    worker = _played(db, clock, settings, "exchange")
    labels = {"alertname": "BalanceConservationFailed", "service": "matching-engine"}
    _fire(client, labels | {"severity": "critical"})
    _fire(
        client,
        {"alertname": "OrderLatencyHigh", "service": "order-service", "severity": "critical"},
    )
    _drain(worker)
    assert _incident(client, viewer_headers, "INC-1")["severity"] == "P0"
    runs = _runs(client, viewer_headers, "INC-1")
    assert runs.keys() == {"incident-lifecycle"}
    lifecycle = runs["incident-lifecycle"]
    steps = _texts(lifecycle, "step")
    assert len(steps) == 14
    halt = [s for s in steps if "IMMEDIATELY HALT TRADING" in s]
    assert len(halt) == 1 and "warroom action run halt-trading" in halt[0]
    assert any("Failover to read replica." in s for s in steps)
    assert lifecycle["progress"]["line"] == "0/14 done"
    # a P1 of another service gets the lifecycle too: the SOP of every incident, P0-P3
    assert _incident(client, viewer_headers, "INC-2")["severity"] == "P1"
    assert _runs(client, viewer_headers, "INC-2").keys() == {"incident-lifecycle"}


def test_atlas_critical_alert_attaches_the_p1_actions_and_the_response_protocol(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    viewer_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ATLAS_PROMETHEUS_TOKEN", TOKEN)
    worker = _played(db, clock, settings, "atlas")
    labels = {"alertname": "ProofValidationFailing", "service": "proof-validation"}
    _fire(client, labels | {"severity": "critical"})
    _fire(client, {"alertname": "SnapshotSlow", "service": "ipfs-snapshots", "severity": "info"})
    _drain(worker)
    assert _incident(client, viewer_headers, "INC-1")["severity"] == "P1"
    runs = _runs(client, viewer_headers, "INC-1")
    assert runs.keys() == {
        "p1-high-degraded-service",
        "shadow-atlas-incident-response-runbook",
        "step-4-initial-mitigation-15-60-minutes",
    }
    actions = _texts(runs["p1-high-degraded-service"], "step")
    assert "Escalate if not resolved in 4 hours" in actions
    assert len(_texts(runs["shadow-atlas-incident-response-runbook"], "command")) == 12
    (quick_wins,) = _texts(runs["step-4-initial-mitigation-15-60-minutes"], "command")
    assert "PRAGMA integrity_check;" in quick_wins
    # a P3 gets its own required actions only
    assert _incident(client, viewer_headers, "INC-2")["severity"] == "P3"
    assert _runs(client, viewer_headers, "INC-2").keys() == {"p3-low-minor-issue"}
