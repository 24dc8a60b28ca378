"""Reminders before due and the overdue flag, on the FakeClock through the real engine worker,
reaching the owner through the notification path (a real local HTTP receiver)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver
from tests.integration.review.action_items.conftest import add, run_due
from tests.integration.review.action_items.test_api import events
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker


def received(receiver: HttpReceiver, person: str) -> list[dict[str, str]]:
    """Action item notices received by a person (their contact method posts to /person)."""
    found = [json.loads(r.body) for r in receiver.to(f"/{person}")]
    return [m for m in found if "action item" in m["title"]]


def step(worker: Worker, clock: FakeClock, **delta: float) -> None:
    clock.advance(timedelta(**delta))
    run_due(worker)


def test_owner_is_reminded_before_due_then_flagged_overdue(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    worker: Worker,
    receiver: HttpReceiver,
) -> None:
    # high impact, low effort: P0 due this week (7 days); reminders 2 days ahead by default
    item = add(client, admin_headers, number)
    step(worker, clock, days=4, hours=23)
    assert received(receiver, "ana") == []
    step(worker, clock, hours=1)
    reminder = received(receiver, "ana")
    assert len(reminder) == 1
    assert (
        f"action item {item['id']}" in reminder[0]["title"]
        and "due in 2 days" in reminder[0]["title"]
    )
    assert "Alert on queue depth" in reminder[0]["message"]
    assert f"warroom action-item done {item['id']}" in reminder[0]["message"]
    listed = client.get("/api/v1/action-items?overdue=true", headers=admin_headers).json()
    assert listed == []
    step(worker, clock, days=2)
    notices = received(receiver, "ana")
    assert len(notices) == 2 and "overdue" in notices[1]["title"]
    shown = client.get(f"/api/v1/action-items/{item['id']}", headers=admin_headers).json()
    assert shown["overdue"] is True and shown["overdue_since"] is not None
    assert [
        i["id"]
        for i in client.get("/api/v1/action-items?overdue=true", headers=admin_headers).json()
    ] == [item["id"]]
    kinds = [kind for kind, _ in events(db, number)]
    assert kinds == [
        "review:action_item:created",
        "review:action_item:reminded",
        "review:action_item:overdue",
    ]
    assert events(db, number)[1][1]["to"] == ["ana@corp.test"]
    assert received(receiver, "bo") == []


def test_done_before_due_stops_reminders(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    worker: Worker,
    receiver: HttpReceiver,
) -> None:
    item = add(client, admin_headers, number)
    client.patch(
        f"/api/v1/action-items/{item['id']}", json={"status": "done"}, headers=admin_headers
    )
    step(worker, clock, days=10)
    assert received(receiver, "ana") == []
    assert client.get("/api/v1/action-items?overdue=true", headers=admin_headers).json() == []


def test_a_new_owner_and_date_move_the_reminders(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    clock: FakeClock,
    worker: Worker,
    receiver: HttpReceiver,
) -> None:
    item = add(client, admin_headers, number)
    change: dict[str, Any] = {"owner": "bo@corp.test", "due": "2026-01-20"}
    client.patch(f"/api/v1/action-items/{item['id']}", json=change, headers=admin_headers)
    step(worker, clock, days=7)  # the old due date passes: nothing (the plan moved)
    assert received(receiver, "ana") == [] and received(receiver, "bo") == []
    step(worker, clock, days=10, hours=11)  # 2026-01-18 23:00: not yet two days before
    assert received(receiver, "bo") == []
    step(worker, clock, hours=1)  # 2026-01-19 00:00: two days before 2026-01-20 23:59:59
    assert len(received(receiver, "bo")) == 1
    step(worker, clock, days=2)
    assert ["overdue" in m["title"] for m in received(receiver, "bo")] == [False, True]
    assert received(receiver, "ana") == []


def test_reminder_lead_time_is_configurable(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    clock: FakeClock,
    worker: Worker,
    receiver: HttpReceiver,
    applied: Callable[[str], Any],
) -> None:
    applied("action_items:\n  reminder_before: 12h\n")
    add(client, admin_headers, number)
    step(worker, clock, days=6, hours=11)
    assert received(receiver, "ana") == []
    step(worker, clock, hours=1)
    reminders = received(receiver, "ana")
    assert len(reminders) == 1 and "due in 12 hours" in reminders[0]["title"]
