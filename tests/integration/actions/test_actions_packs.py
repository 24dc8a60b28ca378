"""The example packs' controls: the oracle's kill switch, markets, RPC and guardrail policy run
as the reference document's commands; the exchange's halt trading is an HTTP call."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.actions.conftest import Kubectl, apply_config, request
from tests.integration.notify.receivers import http_receiver
from warroom.clock import FakeClock
from warroom.config.service import apply_document, load_directory
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _auth(make_token: MakeToken, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('responder', email=email)}"}


def test_oracle_controls(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    kubectl: Kubectl,
    client: TestClient,
    make_token: MakeToken,
) -> None:
    doc, problems = load_directory(EXAMPLES / "oracle")
    assert not problems, problems.lines()
    with db.session() as session:
        apply_document(session, clock, doc, actor="test")
    alice, bob = _auth(make_token, "alice@example.com"), _auth(make_token, "bob@example.com")
    body = {"title": "Unsafe output published", "severity": "SEV0"}
    number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
    worker = Worker(db, clock, settings, "test")

    kill = request(client, alice, number, "publish-kill-switch").json()
    assert kill["state"] == "queued"  # stopping is the safe direction: no approval
    policy = request(client, alice, number, "guardrail-policy", level="DEGRADE").json()
    bad = request(client, alice, number, "pause-market", market="sol-usd; rm -rf /")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "params.market"
    request(client, alice, number, "pause-market", market="sol-usd")
    request(client, alice, number, "switch-rpc", endpoint="https://backup-rpc.example.com")
    worker.run_once()
    patch = ["-n", "m0-prod", "patch", "configmap", "m0-engine-config", "--type", "merge", "-p"]
    # The worker runs the jobs side by side: their order is not the test's business.
    assert sorted(kubectl.calls()) == sorted([
        [*patch, '{"data":{"M0_PUBLISH_ENABLED":"false"}}'],
        [*patch, '{"data":{"M0_GUARDRAIL_POLICY":"DEGRADE"}}'],
        ["-n", "m0-prod", "exec", "deploy/m0-registry", "--", "m0-registry", "pause",
         "--market=sol-usd", "--reason=INC-1"],
        ["-n", "m0-prod", "set", "env", "deploy/m0-submitter",
         "SOLANA_RPC_URL=https://backup-rpc.example.com"],
    ])  # fmt: skip
    resume = client.post(f"/api/v1/actions/runs/{kill['id']}/revert", headers=alice).json()
    assert resume["action"] == "publish-resume" and resume["state"] == "awaiting_approval"
    assert client.post(f"/api/v1/actions/runs/{resume['id']}/approve", headers=bob).is_success
    client.post(f"/api/v1/actions/runs/{policy['id']}/revert", headers=alice)
    worker.run_once()
    assert sorted(kubectl.calls()[4:]) == [
        [*patch, '{"data":{"M0_GUARDRAIL_POLICY":"NORMAL"}}'],
        [*patch, '{"data":{"M0_PUBLISH_ENABLED":"true"}}'],
    ]


HTTP_ACTIONS = """
actions:
  - id: halt-trading
    title: Halt trading
    kind: http
    http:
      method: POST
      url: "http://{host}/api/v1/trading/halt"
      headers: {{Authorization: "Bearer s3cret-token", Content-Type: application/json}}
      body: '{{"scope": "{{{{ scope }}}}", "reason": "{{{{ incident.ref }}}}"}}'
    params: [{{name: scope, type: enum, values: [all, spot], required: false, default: all}}]
    timeout: 5s
    reversible: false
"""


def test_http_action_sends_once_and_keeps_header_values_off_the_timeline(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    exchange, problems = load_directory(EXAMPLES / "exchange")
    assert not problems and {"halt-trading", "resume-trading"} <= exchange.identities("actions")
    with http_receiver() as receiver:
        apply_config(db, clock, tmp_path / "config", HTTP_ACTIONS.format(host=receiver.url))
        from tests.factories import seed_catalog

        with db.session() as session:
            seed_catalog(session)
        alice = _auth(make_token, "alice@example.com")
        body = {"title": "Balance conservation fails", "severity": "SEV1"}
        number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
        run = request(client, alice, number, "halt-trading", scope="spot").json()
        assert run["rendered"]["request"]["headers"] == ["Authorization", "Content-Type"]
        assert receiver.requests == []
        Worker(db, clock, settings, "test").run_once()
        [sent] = receiver.to("/api/v1/trading/halt")
    assert sent.body == b'{"scope": "spot", "reason": "INC-1"}'
    assert sent.headers["Authorization"] == "Bearer s3cret-token"
    done = client.get(f"/api/v1/actions/runs/{run['id']}", headers=alice).json()
    assert (done["state"], done["exit_code"]) == ("succeeded", 0)
    timeline = client.get(f"/api/v1/incidents/{number}/timeline?limit=100", headers=alice).text
    assert "s3cret-token" not in timeline and "action:run:succeeded" in timeline
