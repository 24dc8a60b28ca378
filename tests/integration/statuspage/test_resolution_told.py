"""Subscribers hear that a published incident was resolved, or reopened, however it was.

On a real serve (examples/oracle), after `warroom status publish` (mailed) and a public update
(mailed), `warroom incident resolve 1` turned the page to resolved but sent subscribers
nothing: they were last told "[monitoring] ..." and never that it was over. A resolve by a
status update with public text is mailed once, as that update (not twice)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain
from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.settings import Settings


def _sent(hooks: HttpReceiver) -> list[tuple[str, str]]:
    return [(m["title"], m["body"]) for m in (json.loads(r.body) for r in hooks.to("/hook"))]


def _move(db: Database, clock: FakeClock, number: int, how: str) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        getattr(incidents, how)(session, clock, incident, actor="ic@corp.test")
        session.commit()


def test_a_resolve_and_a_reopen_are_told_once(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    _, hooks = receivers
    apply(db, clock)
    hook = {"url": f"http://{hooks.url}/hook", "components": []}
    assert client.post("/api/v1/status/subscribers", json=hook,
                       headers=admin_headers).status_code == 201  # fmt: skip
    number = open_incident(db, clock)
    body = {"number": number, "name": "Checkout errors", "components": ["api"]}
    assert (
        client.post("/api/v1/status/incidents", json=body, headers=admin_headers).status_code == 201
    )
    drain(worker, clock)
    _move(db, clock, number, "resolve")  # as `warroom incident resolve`
    drain(worker, clock)
    _move(db, clock, number, "reopen")
    drain(worker, clock)
    update = {"state": "resolved", "internal": "rolled back", "public": "Fixed for good."}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=update, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    drain(worker, clock)
    _move(db, clock, number, "close")  # nothing public changes
    drain(worker, clock)
    assert _sent(hooks) == [
        ("Checkout errors", "We are investigating."),
        ("[resolved] Checkout errors", "This incident has been resolved."),
        ("[investigating] Checkout errors", "This incident is back: we are investigating."),
        ("[resolved] Checkout errors", "Fixed for good."),
    ]


def test_an_unpublished_incident_is_not_told(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    _, hooks = receivers
    apply(db, clock)
    hook = {"url": f"http://{hooks.url}/hook", "components": []}
    assert client.post("/api/v1/status/subscribers", json=hook,
                       headers=admin_headers).status_code == 201  # fmt: skip
    number = open_incident(db, clock)
    _move(db, clock, number, "resolve")
    drain(worker, clock)
    assert _sent(hooks) == []
