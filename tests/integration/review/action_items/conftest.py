"""Fixtures for action item tests: a small organisation applied through the real config
sections (people reachable at a real local HTTP receiver), an incident, an engine worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

PEOPLE = ("ana", "bo", "cy")


def org(hook: str, extra: str = "") -> str:
    """Severities (P1 needs a postmortem), three people reached at `hook`/<name>, a service."""
    users = "".join(
        f"  - email: {p}@corp.test\n    name: {p}\n"
        f'    contact_methods: [{{name: push, url: "json://{hook}/{p}"}}]\n'
        for p in PEOPLE
    )
    return f"""\
severities:
  - {{key: P1, name: High, postmortem: {{required: true, due_within: 48h}}}}
  - {{key: P3, name: Low}}
users:
{users}services:
  - {{key: api, name: API}}
{extra}"""


def apply(db: Database, clock: FakeClock, text: str) -> config_service.ApplyResult:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        return config_service.apply_document(session, clock, doc, actor="test")


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    senders.set_sender(None)
    with http_receiver() as found:
        yield found


@pytest.fixture
def applied(db: Database, clock: FakeClock, receiver: HttpReceiver) -> Callable[[str], Any]:
    """applied(extra) applies the organisation (with `extra` YAML) and returns the result."""

    def applied(extra: str = "") -> Any:
        return apply(db, clock, org(receiver.url, extra))

    return applied


@pytest.fixture
def number(db: Database, clock: FakeClock, applied: Callable[[str], Any]) -> int:
    """An open P1 incident of the applied organisation."""
    applied("")
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="test", title="Checkout down", severity="P1", services=["api"]
        )
        return incident.number


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "action-items-test")


def run_due(worker: Worker) -> None:
    """Run every job due at the fake clock's now."""
    while worker.run_once():
        pass


def add(client: TestClient, headers: dict[str, str], number: int, **fields: Any) -> dict[str, Any]:
    """POST an action item (owner ana, high impact, low effort unless given); 201 expected."""
    body = {"title": "Alert on queue depth", "owner": "ana@corp.test", "impact": "high"}
    body |= {"effort": "low"} | fields
    answer = client.post(f"/api/v1/incidents/{number}/action-items", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
