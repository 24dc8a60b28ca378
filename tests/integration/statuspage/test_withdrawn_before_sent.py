"""An incident taken off the page before its subscriber messages went out is not mailed.

Publishing (and each public update) queues the subscribers' messages on the engine; when the
engine was behind or down (a worker restarting, `serve --no-engine` with its worker stopped),
an incident published by mistake and unpublished at once was still mailed to every subscriber
later, under the public name just withdrawn."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain
from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings


def test_messages_of_an_incident_withdrawn_before_they_went_are_not_sent(
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
    body = {"number": number, "name": "Wrong customer name", "components": ["api"]}
    assert (
        client.post("/api/v1/status/incidents", json=body, headers=admin_headers).status_code == 201
    )
    assert (
        client.delete(f"/api/v1/status/incidents/{number}", headers=admin_headers).status_code
        == 204
    )
    drain(worker, clock)  # the engine comes back
    assert hooks.to("/hook") == []

    # Published again (a new public id): that publication and its updates are sent as usual;
    # an update queued just before the next withdrawal is not.
    body["name"] = "Checkout errors"
    assert (
        client.post("/api/v1/status/incidents", json=body, headers=admin_headers).status_code == 201
    )
    drain(worker, clock)
    update = {"state": "identified", "internal": "x", "public": "Found it"}
    assert client.post(f"/api/v1/incidents/{number}/updates", json=update,
                       headers=admin_headers).status_code == 201  # fmt: skip
    drain(worker, clock)
    late = {"state": "monitoring", "internal": "y", "public": "Withdrawn words"}
    assert client.post(f"/api/v1/incidents/{number}/updates", json=late,
                       headers=admin_headers).status_code == 201  # fmt: skip
    assert (
        client.delete(f"/api/v1/status/incidents/{number}", headers=admin_headers).status_code
        == 204
    )
    drain(worker, clock)
    sent = [r.body.decode() for r in hooks.to("/hook")]
    assert len(sent) == 2, sent
    assert "Checkout errors" in sent[0] and "Found it" in sent[1]
    assert not any("Wrong customer name" in s or "Withdrawn words" in s for s in sent)
