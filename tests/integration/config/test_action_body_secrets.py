"""An http action's body template is shown with the literal values of its secret-named fields
masked (`"routing_key": "***"`, `token=***`) wherever config is read back: the stored revision
a viewer reads (`GET /api/v1/config`) and the plan of an apply. Headers were masked, the body
was shown as written: a viewer read an events API's routing key. Template expressions stay
(they name a parameter). Both databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.actions.models import ActionDefinition
from warroom.db import Database

ROUTING = "R0UTE-8c1f4e2a9b"
TOKEN = "tok-77d1c0ffee"
FORM = "frm-5511aa"
CONFIG = """\
severities:
  - {key: SEV1, name: Critical}
actions:
  - id: tell-events
    title: Tell the events API
    kind: http
    http:
      method: POST
      url: https://events.example.test/v2/enqueue
      headers: {Content-Type: application/json}
      body: '{"routing_key": "ROUTING", "token": "${EVENTS_TOKEN}", "note": "{{ note }}"}'
    params: [{name: note, type: string, max_length: 200}]
    reversible: false
  - id: tell-form
    title: Tell the form API
    kind: http
    http:
      method: POST
      url: https://forms.example.test/hook
      headers: {Content-Type: application/x-www-form-urlencoded}
      body: "channel=ops&api_key=FORM&text={{ incident.ref }}"
    reversible: false
"""


def test_a_body_templates_secrets_are_masked_in_the_stored_config_and_the_plan(
    db: Database,
    cli: Callable[..., Any],
    client: TestClient,
    viewer_headers: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("EVENTS_TOKEN", TOKEN)
    (tmp_path / "warroom.yaml").write_text(CONFIG.replace("ROUTING", ROUTING).replace("FORM", FORM))
    applied = cli("config", "apply", str(tmp_path), "--json")
    assert applied.exit_code == 0, applied.output
    plan = cli("config", "plan", str(tmp_path), "--json")
    assert plan.exit_code == 0, plan.output

    shown = client.get("/api/v1/config", headers=viewer_headers)
    assert shown.status_code == 200, shown.text
    actions = {a["id"]: a for a in shown.json()["document"]["actions"]}
    assert actions["tell-events"]["http"]["body"] == (
        '{"routing_key": "***", "token": "***", "note": "{{ note }}"}'
    )
    assert actions["tell-form"]["http"]["body"] == (
        "channel=ops&api_key=***&text={{ incident.ref }}"
    )
    for secret in (ROUTING, TOKEN, FORM):
        assert secret not in shown.text + applied.output + plan.output
    # Only what is shown is masked: the definition a run renders keeps its body as written.
    with db.session() as session:
        stored = session.scalars(
            select(ActionDefinition.definition).where(ActionDefinition.key == "tell-events")
        ).one()
    assert stored["http"]["body"] == (
        f'{{"routing_key": "{ROUTING}", "token": "{TOKEN}", "note": "{{{{ note }}}}"}}'
    )
