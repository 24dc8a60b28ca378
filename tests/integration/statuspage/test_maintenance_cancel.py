"""A maintenance window can be taken back.

Announced by mistake (a wrong day, a postponed upgrade), a window stayed on the public page and
in scheduled-maintenances.json until its end and started and completed on time, mailing
subscribers each time, with no route or command to stop it (seen on a real warroom serve: a
window announced for 9999-12-31 stayed listed). Now `POST /api/v1/status/maintenances/{id}/cancel`
(admin; `warroom status cancel-maintenance ID`) cancels one not started (off the page and the
JSON, its jobs cancelled, subscribers told once) and ends one under way now (completed, as at
its end, in the history)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain, mail_text
from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

V2 = "/status/api/v2"
World = tuple[TestClient, Worker, Settings]


def _subscribe(client: TestClient, worker: Worker, clock: FakeClock, box: Mailbox) -> None:
    client.post("/status/subscribers", data={"email": "r@example.com"})
    drain(worker, clock)
    found = re.search(r"http://status\.test(/status/subscribers/confirm/\S+)",
                      mail_text(box.messages[-1]))  # fmt: skip
    assert found is not None
    assert client.post(found.group(1)).status_code == 200


def _announce(client: TestClient, clock: FakeClock, headers: dict[str, str], hours: int) -> int:
    start = clock.now() + timedelta(hours=hours)
    window = {"name": "DB upgrade", "body": "Read-only for ten minutes.", "components": ["api"],
              "scheduled_for": start.isoformat(),
              "scheduled_until": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    answer = client.post("/api/v1/status/maintenances", json=window, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _subjects(box: Mailbox, seen: int) -> list[str]:
    return [str(m["Subject"]) for m in box.messages[seen:]]


def test_a_window_not_started_is_cancelled_off_the_page_and_told_once(
    db: Database, clock: FakeClock, world: World,
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    _subscribe(client, worker, clock, box)
    window = _announce(client, clock, admin_headers, hours=2)
    drain(worker, clock)
    seen = len(box.messages)
    answer = client.post(f"/api/v1/status/maintenances/{window}/cancel", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "cancelled"
    drain(worker, clock)
    assert _subjects(box, seen) == ["Maintenance cancelled: DB upgrade"]
    assert "DB upgrade" not in client.get("/status").text
    assert client.get(f"{V2}/scheduled-maintenances.json").json()["scheduled_maintenances"] == []
    assert client.get(f"{V2}/summary.json").json()["scheduled_maintenances"] == []
    # Its start and end times pass: nothing starts, nothing more is mailed.
    clock.advance(hours=4)
    drain(worker, clock)
    assert _subjects(box, seen) == ["Maintenance cancelled: DB upgrade"]
    assert "DB upgrade" not in client.get("/status/history").text
    again = client.post(f"/api/v1/status/maintenances/{window}/cancel", headers=admin_headers)
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "id"


def test_a_window_under_way_ends_now(
    db: Database, clock: FakeClock, world: World,
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    _subscribe(client, worker, clock, box)
    window = _announce(client, clock, admin_headers, hours=1)
    clock.advance(hours=1, minutes=5)
    drain(worker, clock)
    [shown] = client.get(f"{V2}/scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert shown["status"] == "in_progress"
    seen = len(box.messages)
    answer = client.post(f"/api/v1/status/maintenances/{window}/cancel", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "completed"
    clock.advance(hours=2)
    drain(worker, clock)
    assert _subjects(box, seen) == ["Maintenance completed: DB upgrade"]
    [component] = [c for c in client.get(f"{V2}/components.json").json()["components"]
                   if c["id"] == "api"]  # fmt: skip
    assert component["status"] == "operational"
    assert "DB upgrade" in client.get("/status/history").text


def test_only_an_admin_takes_a_window_back(
    db: Database, clock: FakeClock, world: World, admin_headers: dict[str, str],
    responder_headers: dict[str, str],
) -> None:  # fmt: skip
    client, _, _ = world
    apply(db, clock)
    window = _announce(client, clock, admin_headers, hours=2)
    path = f"/api/v1/status/maintenances/{window}/cancel"
    assert client.post(path, headers=responder_headers).status_code == 403
    assert client.post(path).status_code == 401
    assert (
        client.post("/api/v1/status/maintenances/999/cancel", headers=admin_headers).status_code
        == 404
    )
    [shown] = client.get(f"{V2}/scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert shown["status"] == "scheduled"
