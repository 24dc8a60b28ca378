"""A credential given as the argument after its option (`--token VALUE`) is masked.

`--token=VALUE` was masked wherever warroom shows a run (the API's and the timeline's argv,
the evidence's command line) and where its output repeats it, but the same option written
as two arguments, as most command lines take it (`kubectl --token TOKEN`, `vault login
-method=userpass --password PASSWORD`), was shown whole to every viewer of the incident: only
each argument on its own was looked at. The argument after an option whose name says secret
(`--token`, `--password`, `--api-key`, `--client-secret`) is now masked as its `=` form is; an
option naming where the secret is (`--token-file`, `--password-stdin`) is not one. What runs
is unchanged. Both databases, a real subprocess.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import Kubectl, apply_config, request
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

TOKEN = "kube-tok-7d1e9a0b3c"
PASSWORD = "vault-pw-55x2kq9z"
ACTIONS = f"""
actions:
  - id: drain
    title: Drain a node
    kind: command
    argv: [kubectl, drain, --token, "{TOKEN}", --client-secret, "{{{{ secret }}}}",
           --token-file, /var/run/secrets/token, --password-stdin, "{{{{ node }}}}"]
    params:
      - {{name: node, type: string}}
      - {{name: secret, type: string}}
    reversible: false
"""


def test_the_argument_after_a_secret_option_is_masked_where_the_run_is_shown(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    kubectl: Kubectl,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    apply_config(db, clock, tmp_path / "config", ACTIONS)
    with db.session() as session:
        seed_catalog(session)
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    viewer = {"Authorization": f"Bearer {make_token('viewer', email='vic@example.com')}"}
    number = client.post(
        "/api/v1/incidents", json={"title": "Nodes", "severity": "SEV3"}, headers=alice
    ).json()["number"]
    asked = request(client, alice, number, "drain", node="node-7", secret=PASSWORD)
    assert asked.status_code == 202, asked.text
    Worker(db, clock, settings, "test").run_once()

    # What ran is the config's (the fake kubectl prints its argv back).
    ran = ["drain", "--token", TOKEN, "--client-secret", PASSWORD, "--token-file",
           "/var/run/secrets/token", "--password-stdin", "node-7"]  # fmt: skip
    assert kubectl.calls() == [ran]
    run = client.get(f"/api/v1/actions/runs/{asked.json()['id']}", headers=viewer).json()
    assert run["state"] == "succeeded", run
    assert run["rendered"]["argv"] == ["kubectl", "drain", "--token", "***", "--client-secret",
        "***", "--token-file", "/var/run/secrets/token", "--password-stdin", "node-7"]  # fmt: skip
    assert run["params"] == {"node": "node-7", "secret": "***"}
    evidence = client.get(
        f"/api/v1/incidents/{number}/evidence/{run['evidence_id']}/content", headers=viewer
    ).text
    shown = [
        str(run),
        client.get(f"/api/v1/incidents/{number}/actions", headers=viewer).text,
        client.get(f"/api/v1/incidents/{number}/timeline", headers=viewer).text,
        evidence,
    ]
    for text in shown:
        assert TOKEN not in text and PASSWORD not in text, text
    assert "done drain --token *** --client-secret ***" in evidence
