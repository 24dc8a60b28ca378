"""Fixtures for action tests: a fake `kubectl` on PATH, an applied actions config, a worker."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from warroom.clock import FakeClock
from warroom.config.service import apply_document, load_directory
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

ACTIONS_YAML = """
action_settings:
  enabled: true
  approval_expiry: 1h
  output_limit: 2048
actions:
  - id: pause-market
    title: Pause a market
    kind: command
    argv: [kubectl, annotate, "market/{{ market }}", "paused=true", "--reason={{ reason }}"]
    params:
      - {name: market, type: string, pattern: "[A-Z]{2,6}-[A-Z]{2,6}"}
      - {name: reason, type: enum, values: [incident, drill], required: false, default: incident}
    dry_run: {append: [--dry-run=server]}
    timeout: 5s
    undo: {action: unpause-market, params: {market: "{{ market }}"}}
    approval: [SEV0]
    limits: {per_incident: 3, per_day: 4}
  - id: unpause-market
    title: Unpause a market
    kind: command
    argv: [kubectl, annotate, "market/{{ market }}", "paused=false"]
    params: [{name: market, type: string, pattern: "[A-Z]{2,6}-[A-Z]{2,6}"}]
    undo: {action: pause-market, params: {market: "{{ market }}"}}
  - id: annotate
    title: Free-text annotation
    kind: command
    argv: [kubectl, annotate, "{{ text }}"]
    params: [{name: text, type: string, max_length: 500}]
    reversible: false
  - id: replicas
    title: Scale the publisher
    kind: command
    argv: [kubectl, scale, "--replicas={{ count }}", deployment/publisher]
    params: [{name: count, type: integer, min: 0, max: 10}]
    reversible: false
  - id: slow
    title: A command that hangs
    kind: command
    argv: [kubectl, hang]
    timeout: 1s
    reversible: false
  - id: failing
    title: A command that fails
    kind: command
    argv: [kubectl, fail]
    reversible: false
"""

FAKE_KUBECTL = """\
    import json, os, sys, time
    log = {log!r}
    with open(log, "a") as handle:
        handle.write(json.dumps(sys.argv[1:]) + "\\n")
    if sys.argv[1:2] == ["hang"]:
        with open(log + ".pid", "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(60)
        with open(log + ".finished", "w") as handle:
            handle.write("not killed")
    if sys.argv[1:2] == ["fail"]:
        sys.stderr.write("error: forbidden\\n")
        sys.exit(3)
    sys.stdout.write("x" * 5000 if "big" in sys.argv else "done " + " ".join(sys.argv[1:]))
"""


class Kubectl:
    """The fake kubectl's log: one argv (without the program) per call."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Kubectl:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "kubectl.log"
    script = bin_dir / "kubectl"
    body = textwrap.dedent(FAKE_KUBECTL).format(log=str(log))
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return Kubectl(log)


def apply_config(db: Database, clock: FakeClock, folder: Path, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "actions.yaml").write_text(text)
    doc, problems = load_directory(folder)
    assert not problems, problems.lines()
    with db.session() as session:
        apply_document(session, clock, doc, actor="test")


@pytest.fixture
def configured(db: Database, clock: FakeClock, tmp_path: Path) -> Database:
    # The config holds only actions: it goes first, as applying it retires the catalog it
    # does not name.
    apply_config(db, clock, tmp_path / "config", ACTIONS_YAML)
    with db.session() as session:
        seed_catalog(session)
    return db


@pytest.fixture
def worker(configured: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(configured, clock, settings, "test")


H = dict[str, str]


@pytest.fixture
def alice(make_token: MakeToken) -> H:
    return {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}


@pytest.fixture
def bob(make_token: MakeToken) -> H:
    return {"Authorization": f"Bearer {make_token('responder', email='bob@example.com')}"}


Open = Callable[..., int]


@pytest.fixture
def open_incident(configured: Database, client: TestClient, alice: H) -> Open:
    def make(severity: str = "SEV2") -> int:
        body = {"title": "Markets diverge", "severity": severity}
        answer = client.post("/api/v1/incidents", json=body, headers=alice)
        assert answer.status_code == 201, answer.text
        return int(answer.json()["number"])

    return make


def request(
    client: TestClient, headers: H, number: int, action: str, dry_run: bool = False, **params: Any
) -> Any:
    body = {"action": action, "params": params, "dry_run": dry_run}
    return client.post(f"/api/v1/incidents/{number}/actions", json=body, headers=headers)
