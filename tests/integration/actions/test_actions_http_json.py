"""An http action's JSON body on both databases: a free-text parameter cannot add fields."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import apply_config, request
from tests.integration.notify.receivers import http_receiver
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


def test_a_free_text_parameter_stays_one_json_string(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    with http_receiver() as receiver:
        apply_config(db, clock, tmp_path / "config", NOTE_ACTION.format(host=receiver.url))
        with db.session() as session:
            seed_catalog(session)
        body = {"title": "Notes leak", "severity": "SEV2"}
        number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
        run = request(client, alice, number, "post-note", note=INJECTION)
        assert run.status_code == 202, run.text
        Worker(db, clock, settings, "test").run_once()
        [sent] = receiver.to("/api/v1/notes")
    assert json.loads(sent.body) == {"note": INJECTION, "incident": "INC-1"}
