"""Subscribers (double opt-in, one-click unsubscribe, per component, webhooks) and scheduled
maintenance (announced, started and finished by the engine), against real local receivers."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain, mail_text
from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings
from warroom.statuspage.models import Subscriber

V2 = "/status/api/v2"


def _publish(client: TestClient, headers: dict[str, str], number: int, name: str,
             components: list[str]) -> None:  # fmt: skip
    body = {"number": number, "name": name, "components": components, "message": f"{name}!"}
    assert client.post("/api/v1/status/incidents", json=body, headers=headers).status_code == 201


def _link(mail: str, action: str) -> str:
    found = re.search(rf"http://status\.test(/status/subscribers/{action}/\S+)", mail)
    assert found is not None, mail
    return found.group(1)


def test_double_opt_in_then_one_click_unsubscribe(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    bad = client.post("/status/subscribers", data={"email": "not-an-address"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"
    assert client.post("/status/subscribers", data={"email": "r@example.com"}).status_code == 202
    drain(worker, clock)
    [confirm_mail] = [mail_text(m) for m in box.messages]
    _publish(client, admin_headers, open_incident(db, clock), "Before confirming", ["api"])
    drain(worker, clock)
    assert len(box.messages) == 1  # not confirmed yet: nothing but the confirm link
    assert client.post(_link(confirm_mail, "confirm") + "x").status_code == 404
    assert client.post(_link(confirm_mail, "confirm")).status_code == 200
    _publish(client, admin_headers, open_incident(db, clock), "After confirming", ["api"])
    drain(worker, clock)
    [_, news] = [mail_text(m) for m in box.messages]
    assert "After confirming" in news and "Before confirming" not in news
    unsubscribe = _link(news, "unsubscribe")
    assert client.get(unsubscribe).status_code == 200  # a mail scanner's GET acts on nothing
    with db.session() as session:
        [subscriber] = session.query(Subscriber).all()
        assert subscriber.unsubscribed_at is None
    assert client.post(unsubscribe).status_code == 200
    _publish(client, admin_headers, open_incident(db, clock), "After leaving", ["api"])
    drain(worker, clock)
    assert len(box.messages) == 2


def test_webhook_subscribers_hear_only_of_their_components(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
    responder_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    _, hooks = receivers
    apply(db, clock)  # components named by a subscription must exist
    hook = {"url": f"http://{hooks.url}/web-only", "components": ["web"]}
    assert client.post("/api/v1/status/subscribers", json=hook,
                       headers=responder_headers).status_code == 403  # fmt: skip
    assert client.post("/api/v1/status/subscribers", json=hook,
                       headers=admin_headers).status_code == 201  # fmt: skip
    _publish(client, admin_headers, open_incident(db, clock), "API trouble", ["api"])
    drain(worker, clock)
    assert hooks.to("/web-only") == []
    _publish(client, admin_headers, open_incident(db, clock, services=["web"]), "Web trouble",
             ["web"])  # fmt: skip
    drain(worker, clock)
    [post] = hooks.to("/web-only")
    assert b"Web trouble" in post.body and post.headers.get("Idempotency-Key")
    # Nothing in it counts warroom's other traffic: no outbox id, and an opaque key (it held
    # the subscriber's id before), the same key in the header and the document.
    document = json.loads(post.body)
    assert "message_id" not in document
    key = post.headers["Idempotency-Key"]
    assert document["idempotency_key"] == key and re.fullmatch(r"status-[0-9a-f]{32}", key)


def test_maintenance_is_announced_started_and_finished(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    _, hooks = receivers
    apply(db, clock)
    hook = {"url": f"http://{hooks.url}/all", "components": []}
    assert client.post("/api/v1/status/subscribers", json=hook,
                       headers=admin_headers).status_code == 201  # fmt: skip
    start = clock.now() + timedelta(hours=2)
    window = {"name": "Database upgrade", "body": "Read-only for ten minutes",
              "components": ["db"], "scheduled_for": start.isoformat(),
              "scheduled_until": (start + timedelta(minutes=30)).isoformat()}  # fmt: skip
    late = window | {"scheduled_until": (start - timedelta(hours=3)).isoformat()}
    refused = client.post("/api/v1/status/maintenances", json=late, headers=admin_headers)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "scheduled_until"
    assert client.post("/api/v1/status/maintenances", json=window,
                       headers=admin_headers).status_code == 201  # fmt: skip
    drain(worker, clock)
    assert [b"Scheduled maintenance" in r.body for r in hooks.to("/all")] == [True]

    clock.advance(hours=2)
    drain(worker, clock)
    statuses = {
        c["id"]: c["status"] for c in client.get(f"{V2}/components.json").json()["components"]
    }
    assert statuses["db"] == "under_maintenance"
    summary = client.get(f"{V2}/summary.json").json()
    assert summary["status"]["indicator"] == "maintenance"
    assert summary["scheduled_maintenances"][0]["status"] == "in_progress"

    clock.advance(minutes=30)
    drain(worker, clock)
    bodies = [r.body for r in hooks.to("/all")]
    assert [b"in progress" in b for b in bodies] == [False, True, False]
    assert b"completed" in bodies[2]
    statuses = {
        c["id"]: c["status"] for c in client.get(f"{V2}/components.json").json()["components"]
    }
    assert statuses["db"] == "operational"
    [done] = client.get(f"{V2}/scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert done["status"] == "completed" and done["resolved_at"] is not None
    assert "Database upgrade" in client.get("/status/history").text
