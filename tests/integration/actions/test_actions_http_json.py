"""An http action on both databases: a free-text parameter cannot add JSON fields, and a
parameter in its URL cannot reach another endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import apply_config, request
from tests.integration.notify.receivers import Received, http_receiver
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

INJECTION = '", "admin": true, "x": "'

NOTE_ACTION = """
actions:
  - id: post-note
    title: Post a note to the exchange
    kind: http
    http:
      method: POST
      url: "http://{host}/api/v1/notes"
      headers: {{Content-Type: application/json}}
      body: '{{"note": "{{{{ note }}}}", "incident": "{{{{ incident.ref }}}}"}}'
    params: [{{name: note, type: string, max_length: 500}}]
    timeout: 5s
    reversible: false
"""


Send = Callable[..., list[Received]]


@pytest.fixture
def sent(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> Send:
    """Configure an action aimed at a local HTTP receiver, run it on a new incident through the
    API and the engine; the requests the receiver got."""

    def send(actions: str, action: str, **params: Any) -> list[Received]:
        alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
        with http_receiver() as receiver:
            apply_config(db, clock, tmp_path / "config", actions.format(host=receiver.url))
            with db.session() as session:
                seed_catalog(session)
            body = {"title": "Exchange trouble", "severity": "SEV2"}
            number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
            run = request(client, alice, number, action, **params)
            assert run.status_code == 202, run.text
            Worker(db, clock, settings, "test").run_once()
            return list(receiver.requests)

    return send


def test_a_free_text_parameter_stays_one_json_string(sent: Send) -> None:
    [request_sent] = sent(NOTE_ACTION, "post-note", note=INJECTION)
    assert request_sent.path == "/api/v1/notes"
    assert json.loads(request_sent.body) == {"note": INJECTION, "incident": "INC-1"}


PAUSE_ACTION = """
actions:
  - id: pause-market
    title: Pause a market
    kind: http
    http:
      method: POST
      url: "http://{host}/api/v1/markets/{{{{ market }}}}/pause?by={{{{ incident.ref }}}}"
    params: [{{name: market, type: string}}]
    timeout: 5s
    reversible: false
"""


def test_a_url_parameter_cannot_reach_another_endpoint(sent: Send) -> None:
    [request_sent] = sent(PAUSE_ACTION, "pause-market", market="../../admin/wipe?all=1")
    assert request_sent.path == "/api/v1/markets/..%2F..%2Fadmin%2Fwipe%3Fall%3D1/pause?by=INC-1"
