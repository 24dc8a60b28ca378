"""A run's credentials stay out of its evidence when the program's output repeats them.

The argv's `--token=...`, an http action's header values and its URL's `?token=...` are
masked wherever warroom shows the run; but its output, stored as evidence that every viewer
of the incident reads, kept them whole when the program echoed them (a server answering with
the request it got, a command quoting its arguments). Both databases, a real subprocess and
a real local HTTP server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import Kubectl, apply_config, request
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

SECRETS = ("abc123secret", "sekrit-token-value", "cmd-secret-999", "x-key-77777")

ACTIONS = """
actions:
  - id: halt
    title: Halt a market
    kind: http
    http:
      method: POST
      url: "http://{host}/halt/{{{{ market }}}}?token=abc123secret"
      headers: {{Authorization: "Bearer sekrit-token-value", X-Key: x-key-77777}}
      body: "market={{{{ market }}}}"
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


@contextmanager
def echo_server() -> Iterator[str]:
    """A server answering every POST with the request it got: path, headers, body."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            echo = {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
            payload = json.dumps(echo).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_credentials_the_output_repeats_are_masked_in_the_evidence(
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
    with echo_server() as host:
        apply_config(db, clock, tmp_path / "config", ACTIONS.format(host=host))
        with db.session() as session:
            seed_catalog(session)
        body = {"title": "Exchange trouble", "severity": "SEV2"}
        number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
        halt = request(client, alice, number, "halt", market="BTC-USD")
        flush = request(client, alice, number, "flush", market="BTC-USD")
        assert halt.status_code == flush.status_code == 202, (halt.text, flush.text)
        Worker(db, clock, settings, "test").run_once()

    # The programs did get (and print) the credentials.
    assert kubectl.calls() == [["flush", "--token=cmd-secret-999", "BTC-USD"]]
    runs = [
        client.get(f"/api/v1/actions/runs/{r.json()['id']}", headers=viewer).json()
        for r in (halt, flush)
    ]
    assert [r["state"] for r in runs] == ["succeeded", "succeeded"]
    for run in runs:
        url = f"/api/v1/incidents/{number}/evidence/{run['evidence_id']}/content"
        content = client.get(url, headers=viewer).text
        for secret in SECRETS:
            assert secret not in content, (secret, content)
        assert "masked: " in content and "of the output as printed" in content
        output = content.split("--- stdout ---\n", 1)[1]
        assert "BTC-USD" in output and "***" in output  # still says what it printed
    halt_out = client.get(
        f"/api/v1/incidents/{number}/evidence/{runs[0]['evidence_id']}/content", headers=viewer
    ).text
    echoed = json.loads(halt_out.split("--- stdout ---\n", 1)[1].split("\n--- stderr ---")[0])
    assert echoed["path"] == "/halt/BTC-USD?token=***"
    assert echoed["headers"]["Authorization"] == "***" and echoed["headers"]["X-Key"] == "***"


def test_output_without_credentials_is_stored_as_printed(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    kubectl: Kubectl,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    apply_config(db, clock, tmp_path / "config", ACTIONS.format(host="127.0.0.1:9"))
    with db.session() as session:
        seed_catalog(session)
    body = {"title": "Exchange trouble", "severity": "SEV2"}
    number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
    # A market named like no credential: the command prints its argv, the token masked only.
    flush = request(client, alice, number, "flush", market="password-less")
    Worker(db, clock, settings, "test").run_once()
    run = client.get(f"/api/v1/actions/runs/{flush.json()['id']}", headers=alice).json()
    url = f"/api/v1/incidents/{number}/evidence/{run['evidence_id']}/content"
    output = client.get(url, headers=alice).text.split("--- stdout ---\n", 1)[1]
    assert output.startswith("done flush --token=*** password-less")


PARAM_ACTIONS = """
actions:
  - id: rotate
    title: Rotate a credential
    kind: command
    argv: [kubectl, rotate, "--token={{ api_token }}", "--password={{ value }}", "{{ market }}"]
    params:
      - {name: api_token, type: string}
      - {name: value, type: string}
      - {name: market, type: string}
    reversible: false
"""


def test_parameters_holding_credentials_are_masked_with_the_rendering(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    kubectl: Kubectl,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    """`--token={{ api_token }}` was shown as `--token=***` in the rendered argv while the run's
    params (API, web page, timeline) showed the very value typed: a secret-named parameter,
    or one whose value the rendering masks, is now masked there too."""
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    viewer = {"Authorization": f"Bearer {make_token('viewer', email='vic@example.com')}"}
    apply_config(db, clock, tmp_path / "config", PARAM_ACTIONS)
    with db.session() as session:
        seed_catalog(session)
    body = {"title": "Leaked key", "severity": "SEV2"}
    number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
    params = {"api_token": "tok-0123456789", "value": "pw-9876543210", "market": "BTC-USD"}
    asked = request(client, alice, number, "rotate", **params)
    assert asked.status_code == 202, asked.text
    Worker(db, clock, settings, "test").run_once()
    assert kubectl.calls() == [
        ["rotate", "--token=tok-0123456789", "--password=pw-9876543210", "BTC-USD"]
    ]
    run = client.get(f"/api/v1/actions/runs/{asked.json()['id']}", headers=viewer).json()
    assert run["state"] == "succeeded"
    masked = {"api_token": "***", "value": "***", "market": "BTC-USD"}
    assert asked.json()["params"] == run["params"] == masked
    listed = client.get(f"/api/v1/incidents/{number}/actions", headers=viewer).text
    timeline = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=viewer).text
    for text in (asked.text, json.dumps(run), listed, timeline):
        assert "tok-0123456789" not in text and "pw-9876543210" not in text


BARE_ACTIONS = """
actions:
  - id: rotate
    title: Rotate a credential
    kind: command
    argv: [kubectl, rotate, "{{ api_token }}", "{{ market }}"]
    params:
      - {name: api_token, type: string}
      - {name: market, type: string}
    reversible: false
"""


def test_a_secret_named_parameter_is_masked_in_the_argv_and_the_output(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    kubectl: Kubectl,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    """A secret-named parameter (`api_token`) was masked in the run's params but, given as an
    argument of its own (not `--token=...`), shown whole in the rendered argv (API, timeline)
    and kept whole in the output the evidence stores: its value is now masked there too."""
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    viewer = {"Authorization": f"Bearer {make_token('viewer', email='vic@example.com')}"}
    apply_config(db, clock, tmp_path / "config", BARE_ACTIONS)
    with db.session() as session:
        seed_catalog(session)
    body = {"title": "Leaked key", "severity": "SEV2"}
    number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
    asked = request(client, alice, number, "rotate", api_token="tok-0123456789", market="BTC")
    assert asked.status_code == 202, asked.text
    Worker(db, clock, settings, "test").run_once()
    assert kubectl.calls() == [["rotate", "tok-0123456789", "BTC"]]  # what runs is unchanged
    run = client.get(f"/api/v1/actions/runs/{asked.json()['id']}", headers=viewer).json()
    assert run["state"] == "succeeded" and run["params"] == {"api_token": "***", "market": "BTC"}
    url = f"/api/v1/incidents/{number}/evidence/{run['evidence_id']}/content"
    evidence = client.get(url, headers=viewer).text
    assert evidence.split("--- stdout ---\n", 1)[1].startswith("done rotate *** BTC")
    listed = client.get(f"/api/v1/incidents/{number}/actions", headers=viewer).text
    timeline = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=viewer).text
    for text in (asked.text, json.dumps(run), listed, timeline, evidence):
        assert "tok-0123456789" not in text, text
