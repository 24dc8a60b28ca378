"""Credentials in an action's templates are sent, never shown, on both databases.

The config keeps an http action's header values masked, but the run's rendered request (its
URL with `?token=...`, a body with `"api_key": "..."`) and a command's `--token=...` argument
were shown whole to every viewer: on the timeline, in the run's API answer and on the
evidence item's command line. What runs is unchanged; what is shown has them masked."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import Kubectl, apply_config, request
from tests.integration.notify.receivers import http_receiver
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

SECRETS = ("abc123secret", "body-secret-123", "sekrit-token-value", "cmd-secret-999")

ACTIONS = """
actions:
  - id: halt
    title: Halt a market
    kind: http
    http:
      method: POST
      url: "http://{host}/halt/{{{{ market }}}}?token=abc123secret"
      headers: {{Authorization: "Bearer sekrit-token-value", Content-Type: application/json}}
      body: '{{"api_key": "body-secret-123", "market": "{{{{ market }}}}"}}'
    params: [{{name: market, type: string}}]
    timeout: 5s
    reversible: false
  - id: flush
    title: Flush a cache
    kind: command
    argv: [kubectl, flush, "--token=cmd-secret-999", "{{{{ market }}}}"]
    params: [{{name: market, type: string}}]
    reversible: false
"""


def test_credentials_in_templates_are_sent_but_never_shown(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    kubectl: Kubectl,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    viewer = {"Authorization": f"Bearer {make_token('viewer', email='vic@example.com')}"}
    with http_receiver() as receiver:
        apply_config(db, clock, tmp_path / "config", ACTIONS.format(host=receiver.url))
        with db.session() as session:
            seed_catalog(session)
        body = {"title": "Exchange trouble", "severity": "SEV2"}
        number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
        halt = request(client, alice, number, "halt", market="BTC-USD")
        flush = request(client, alice, number, "flush", market="BTC-USD")
        assert halt.status_code == flush.status_code == 202, (halt.text, flush.text)
        Worker(db, clock, settings, "test").run_once()
        [sent] = receiver.requests

    # What runs is what the config says, credentials and all.
    assert sent.path == "/halt/BTC-USD?token=abc123secret"
    assert sent.headers["Authorization"] == "Bearer sekrit-token-value"
    assert json.loads(sent.body) == {"api_key": "body-secret-123", "market": "BTC-USD"}
    assert kubectl.calls() == [["flush", "--token=cmd-secret-999", "BTC-USD"]]

    # What is shown has them masked, and still says what ran.
    shown = [halt.text, flush.text]
    for run in (halt.json(), flush.json()):
        answer = client.get(f"/api/v1/actions/runs/{run['id']}", headers=viewer)
        assert answer.json()["state"] == "succeeded"
        shown.append(answer.text)
    timeline = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=viewer)
    shown.append(timeline.text)
    evidence = client.get(f"/api/v1/incidents/{number}/evidence", headers=viewer).json()
    shown.append(json.dumps(evidence))
    for item in evidence:
        url = f"/api/v1/incidents/{number}/evidence/{item['id']}/content"
        content = client.get(url, headers=alice).text
        shown.append(content.split("--- stdout ---")[0])  # the output is the program's own
    for text in shown:
        for secret in SECRETS:
            assert secret not in text, (secret, text)
    halt_shown = client.get(f"/api/v1/actions/runs/{halt.json()['id']}", headers=viewer).json()
    assert halt_shown["rendered"]["request"]["url"].endswith(
        "/***/BTC-USD?token=***"
    )  # the path is the config's
    assert json.loads(halt_shown["rendered"]["request"]["body"]) == {
        "api_key": "***",
        "market": "BTC-USD",
    }
    flush_shown = client.get(f"/api/v1/actions/runs/{flush.json()['id']}", headers=viewer).json()
    assert flush_shown["rendered"]["argv"] == ["kubectl", "flush", "--token=***", "BTC-USD"]
