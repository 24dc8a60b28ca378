"""Subscribing to components the page does not have was accepted and stored
(`{"email": ..., "components": ["nope"]}` answered 202 and sent a confirm mail): bad input
must be a 4xx naming the field with nothing written, on the public form and the admin's
webhook route alike."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain
from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings
from warroom.statuspage.models import Subscriber


def test_unknown_components_are_refused_naming_the_field(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    mail = {"email": "reader@corp.test", "components": ["api", "nope"]}
    answer = client.post("/status/subscribers", json=mail)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "components[1]"
    hook = {"url": "http://127.0.0.1:9/hook", "components": ["ghost"]}
    answer = client.post("/api/v1/status/subscribers", json=hook, headers=admin_headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "components[0]"
    drain(worker, clock)
    assert box.messages == []
    with db.session() as session:
        assert session.query(Subscriber).count() == 0
    mail["components"] = ["api"]
    assert client.post("/status/subscribers", json=mail).status_code == 202
