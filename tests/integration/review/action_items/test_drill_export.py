"""A drill's action items stay out of the issue tracker unless someone asks: with
`export.automatic: true` a real incident's new item is sent, a drill's is not (the tracker is
where real work is tracked); one exported on request says in its JSON that it is a drill's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.review.action_items.conftest import add, run_due
from tests.integration.review.action_items.test_export import Tracker, export_config, tracker
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents

__all__ = ["tracker"]


def test_a_drills_items_are_not_exported_automatically(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    worker: Worker,
    tracker: Tracker,
    applied: Callable[[str], Any],
) -> None:
    applied(export_config(tracker.url, automatic="true"))
    with db.session() as session:
        drill = incidents.open_incident(
            session, clock, actor="test", title="Practice", severity="P1", services=["api"],
            drill=True,
        )  # fmt: skip
        drill_number = drill.number
    add(client, admin_headers, number, title="real follow-up")
    rehearsal = add(client, admin_headers, drill_number, title="rehearsal follow-up")
    assert rehearsal["export"]["state"] in (None, "none", "")
    run_due(worker)
    assert [body["title"] for _, body in tracker.received] == ["real follow-up"]
    assert tracker.received[0][1]["incident"]["drill"] is False

    asked = client.post(f"/api/v1/action-items/{rehearsal['id']}/export", headers=admin_headers)
    assert asked.status_code == 202, asked.text
    run_due(worker)
    sent = [body for _, body in tracker.received if body["title"] == "rehearsal follow-up"]
    assert len(sent) == 1 and sent[0]["incident"]["drill"] is True
