"""A secret in an http action's URL path is sent, never shown, on both databases.

The stored config shows an http action's URL as its scheme and host only (`mask_url`), since
a webhook's path is often its secret (`/services/T000/B000/XXXX`, an ntfy topic); but a run
showed its URL's path whole to every viewer: the run's API answer, `warroom action show`, the
timeline event, the evidence's command line and the incident page. Likewise a JSON body's
secret-named field that `scrub_value` does not know (`routing_key`, PagerDuty's). A run now
shows the scheme, the host, and the path's shape: each segment filled by a parameter shown
with its value (unless that parameter is secret), every other segment and query value `***`.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import apply_config, request
from tests.integration.notify.receivers import http_receiver
from tests.integration.web.conftest import PASSWORD, sign_in
from warroom.auth import service as auth_service
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

SECRETS = ("T0FAKE42", "B0FAKE42", "XXXXSECRETPATH", "R0UTING-KEY-777", "hooktok-5551", "Zz9Qq")

ACTIONS = """
actions:
  - id: tell-chat
    title: Tell the chat
    kind: http
    http:
      method: POST
      url: "http://{host}/services/T0FAKE42/B0FAKE42/XXXXSECRETPATH?ch={{{{ market }}}}&code=Zz9Qq"
      headers: {{Content-Type: application/json}}
      body: '{{"routing_key": "R0UTING-KEY-777", "text": "{{{{ market }}}} halted"}}'
    params: [{{name: market, type: string}}]
    timeout: 5s
    reversible: false
  - id: token-hook
    title: A hook named by its token
    kind: http
    http:
      method: POST
      url: "http://{host}/hooks/{{{{ hook_token }}}}/markets/{{{{ market }}}}"
      headers: {{Authorization: "Bearer {{{{ hook_token }}}}"}}
      body: '{{"market": "{{{{ market }}}}"}}'
    params:
      - {{name: market, type: string}}
      - {{name: hook_token, type: string, required: false, default: hooktok-5551}}
    timeout: 5s
    reversible: false
"""


def _viewer_page(db: Database, clock: FakeClock, client: TestClient, number: int) -> str:
    """The incident page as a signed-in viewer sees it (its own cookies, not the API's)."""
    email = f"viewer-{uuid.uuid4().hex[:6]}@example.com"
    with db.session() as session:
        user = auth_service.ensure_user(session, clock, email=email, name="Vi", role="viewer")
        user.password_hash = hash_password(PASSWORD)
    with TestClient(client.app) as browser:
        assert sign_in(browser, email).status_code == 303
        page = browser.get(f"/ui/incidents/{number}")
        assert page.status_code == 200, page.text
        return page.text


def test_url_path_and_body_secrets_are_sent_but_never_shown(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    cli: Any,
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
        chat = request(client, alice, number, "tell-chat", market="BTC-USD")
        hook = request(client, alice, number, "token-hook", market="ETH-USD")
        preview = client.post(
            f"/api/v1/incidents/{number}/actions",
            json={"action": "tell-chat", "params": {"market": "SOL-USD"}, "dry_run": True},
            headers=alice,
        )
        assert chat.status_code == hook.status_code == preview.status_code == 202, (
            chat.text,
            hook.text,
            preview.text,
        )
        Worker(db, clock, settings, "test").run_once()
        sent = {r.path.split("/")[1]: r for r in receiver.requests}

    # What runs is what the config says, secrets and all.
    assert sent["services"].path == (
        "/services/T0FAKE42/B0FAKE42/XXXXSECRETPATH?ch=BTC-USD&code=Zz9Qq"
    )
    assert json.loads(sent["services"].body)["routing_key"] == "R0UTING-KEY-777"
    assert sent["hooks"].path == "/hooks/hooktok-5551/markets/ETH-USD"
    assert sent["hooks"].headers["Authorization"] == "Bearer hooktok-5551"

    # What is shown keeps the scheme, the host and the path's shape, and no secret.
    shown = [chat.text, hook.text, preview.text]
    runs = {}
    for run in (chat.json(), hook.json(), preview.json()):
        answer = client.get(f"/api/v1/actions/runs/{run['id']}", headers=viewer)
        runs[run["id"]] = answer.json()
        shown.append(answer.text)
    listed = client.get(f"/api/v1/incidents/{number}/actions", headers=viewer)
    shown.append(listed.text)
    timeline = client.get(f"/api/v1/incidents/{number}/timeline?limit=500", headers=viewer)
    shown.append(timeline.text)
    evidence = client.get(f"/api/v1/incidents/{number}/evidence", headers=viewer).json()
    assert len(evidence) == 2
    shown.append(json.dumps(evidence))
    for item in evidence:
        url = f"/api/v1/incidents/{number}/evidence/{item['id']}/content"
        shown.append(client.get(url, headers=viewer).text)
    shown.append(_viewer_page(db, clock, client, number))
    for run in (chat.json(), hook.json()):
        cli_show = cli("action", "show", str(run["id"]))
        assert cli_show.exit_code == 0, cli_show.output
        shown.append(cli_show.output)
        shown.append(cli("action", "show", str(run["id"]), "--json").output)
    for text in shown:
        for secret in SECRETS:
            assert secret not in text, (secret, text)

    base = f"http://{receiver.url}"
    chat_request = runs[chat.json()["id"]]["rendered"]["request"]
    assert chat_request["url"] == f"{base}/***/***/***/***?ch=BTC-USD&code=***"
    assert json.loads(chat_request["body"]) == {"routing_key": "***", "text": "BTC-USD halted"}
    preview_request = runs[preview.json()["id"]]["rendered"]["request"]
    assert preview_request["url"] == f"{base}/***/***/***/***?ch=SOL-USD&code=***"
    hook_run = runs[hook.json()["id"]]
    assert hook_run["rendered"]["request"]["url"] == f"{base}/***/***/***/ETH-USD"
    assert hook_run["rendered"]["request"]["headers"] == ["Authorization"]
    assert hook_run["params"] == {"market": "ETH-USD", "hook_token": "***"}
    events = [e for e in timeline.json()["items"] if e["kind"] == "action:run:succeeded"]
    assert {e["payload"]["request"]["url"] for e in events} == {
        f"{base}/***/***/***/***?ch=BTC-USD&code=***",
        f"{base}/***/***/***/ETH-USD",
    }
    commands = {item["command"] for item in evidence}
    assert f"POST {base}/***/***/***/ETH-USD" in commands
