"""A credential that `output_limit` cuts in two stays out of the run's evidence.

A run's credentials (its `--token=...`, its header values) are masked where its output
repeats them, but only whole repetitions were found: an output cut at `output_limit` in the
middle of one kept its first part as printed, for every viewer of the incident to read (with
the default 64 KiB limit, a verbose command's log that reaches it as it prints a token).
What the cut leaves of a credential at the end of an output is now masked too. Both
databases, a real subprocess.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import apply_config, request
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

TOKEN = "cmdsecret-" + "q" * 40

# The program prints `pad` dots, a space and its --token=... on stdout or stderr.
SCRIPT = "import sys; getattr(sys, sys.argv[1]).write('.' * int(sys.argv[2]) + ' ' + sys.argv[3])"
ACTIONS = """
action_settings:
  output_limit: 1024
actions:
  - id: chatty
    title: A command whose output is cut inside its token
    kind: command
    argv: [PYTHON, -c, SCRIPT, "{{ stream }}", "{{ pad }}", "--token=TOKEN"]
    params:
      - {name: stream, type: enum, values: [stdout, stderr]}
      - {name: pad, type: integer, min: 0, max: 2000}
    reversible: false
"""
ACTIONS = ACTIONS.replace("TOKEN", TOKEN).replace("SCRIPT", json.dumps(SCRIPT))
ACTIONS = ACTIONS.replace("PYTHON", json.dumps(sys.executable))


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_credential_cut_by_the_output_limit_is_masked_to_its_end(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
    stream: str,
) -> None:
    apply_config(db, clock, tmp_path / "config", ACTIONS)
    with db.session() as session:
        seed_catalog(session)
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    viewer = {"Authorization": f"Bearer {make_token('viewer', email='vic@example.com')}"}
    body = {"title": "Exchange trouble", "severity": "SEV2"}
    number = client.post("/api/v1/incidents", json=body, headers=alice).json()["number"]
    # 990 dots, a space, "--token=" (8): the 1024-byte limit keeps 25 of the token's 50.
    cut = request(client, alice, number, "chatty", stream=stream, pad=990)
    # Not cut: the whole token is masked as before, and the end of the output is as printed.
    whole = request(client, alice, number, "chatty", stream=stream, pad=10)
    assert cut.status_code == whole.status_code == 202, (cut.text, whole.text)
    Worker(db, clock, settings, "test").run_once()

    def printed(answer: object) -> str:
        run_id = answer.json()["id"]  # type: ignore[attr-defined]
        run = client.get(f"/api/v1/actions/runs/{run_id}", headers=viewer).json()
        assert run["state"] == "succeeded", run
        url = f"/api/v1/incidents/{number}/evidence/{run['evidence_id']}/content"
        content = client.get(url, headers=viewer).text
        assert TOKEN[:10] not in content, content[-200:]
        assert "masked: 1 repetition(s)" in content
        out, err = content.split("--- stdout ---\n", 1)[1].split("\n--- stderr ---\n", 1)
        return out if stream == "stdout" else err

    assert printed(cut) == "." * 990 + " --token=***"
    assert printed(whole) == "." * 10 + " --token=***"
