"""A header filled from a parameter must be sendable, on both databases.

httpx sends header values as ASCII: a parameter holding `café` in a header template was
accepted (202), then the engine's send raised, the run stayed `running` and the job's next
attempt marked it `interrupted` ("its worker was lost"), with no evidence of why. Now the
request is refused (422 naming the header), nothing is recorded, and nothing is sent."""

from __future__ import annotations

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

ACTIONS = """
actions:
  - id: halt
    title: Halt trading
    kind: http
    http:
      method: POST
      url: "http://{host}/halt"
      headers: {{X-Reason: "{{{{ reason }}}}"}}
    params: [{{name: reason, type: string}}]
    timeout: 5s
    reversible: false
"""


def test_a_header_value_that_cannot_be_sent_is_refused_at_the_request(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    with http_receiver() as receiver:
        apply_config(db, clock, tmp_path / "config", ACTIONS.format(host=receiver.url))
        with db.session() as session:
            seed_catalog(session)
        body = {"title": "Exchange trouble", "severity": "SEV2"}
        number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
        refused = request(client, alice, number, "halt", reason="café ☃")
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == "http.headers.X-Reason"
        assert client.get("/api/v1/actions/runs", headers=alice).json() == []
        fine = request(client, alice, number, "halt", reason="cafe")
        assert fine.status_code == 202, fine.text
        Worker(db, clock, settings, "test").run_once()
        assert [r.headers["X-Reason"] for r in receiver.requests] == ["cafe"]
