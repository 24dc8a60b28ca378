"""The action catalog does not show a secret-named parameter's default.

A run shows a secret-named parameter (`api_token`, `password`) as `***` wherever it is shown,
but the catalog (`GET /api/v1/actions`, `warroom action catalog`), which every viewer reads,
listed each parameter as configured, its `default` too: a default that lets responders leave
the token out (`default: ${PUBLISHER_TOKEN}`) was there for anyone with a viewer token. It is
now `***` in the catalog; the run still uses it as written. Both databases, a real subprocess.
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

TOKEN = "pub-tok-5b2c9e7f1a3d"
ACTIONS = f"""
actions:
  - id: publish-pause
    title: Pause publishing
    kind: command
    argv: [kubectl, pause, "--token={{{{ api_token }}}}", "{{{{ scope }}}}"]
    params:
      - {{name: api_token, type: string, default: "{TOKEN}"}}
      - {{name: scope, type: enum, values: [all, spot], default: all}}
    reversible: false
"""


def test_the_catalog_masks_a_secret_named_parameter_s_default(
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
    viewer = {"Authorization": f"Bearer {make_token('viewer', email='vic@example.com')}"}
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    catalog = client.get("/api/v1/actions", headers=viewer)
    assert catalog.status_code == 200, catalog.text
    assert TOKEN not in catalog.text
    (action,) = catalog.json()
    params = {p["name"]: p for p in action["params"]}
    assert params["api_token"]["default"] == "***"
    assert params["scope"]["default"] == "all"  # an ordinary default is shown as configured

    # The run still uses the default as written, and shows it masked.
    number = client.post(
        "/api/v1/incidents", json={"title": "Publisher", "severity": "SEV3"}, headers=alice
    ).json()["number"]
    asked = request(client, alice, number, "publish-pause")
    assert asked.status_code == 202, asked.text
    Worker(db, clock, settings, "test").run_once()
    assert kubectl.calls() == [["pause", f"--token={TOKEN}", "all"]]
    run = client.get(f"/api/v1/actions/runs/{asked.json()['id']}", headers=viewer).json()
    assert run["state"] == "succeeded" and run["params"]["api_token"] == "***"
    assert TOKEN not in str(run)
