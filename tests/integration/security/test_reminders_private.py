"""Action item reminders of a private incident: an owner who is no member of it is reminded of
the item without the incident's title or the item's (a member wrote it there); a member owner
reads both, as does anyone reminded of a public incident's item. Through the real engine
worker and the notification path (a real local HTTP receiver)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver
from tests.integration.review.action_items.conftest import (
    add,
    applied,
    receiver,
    run_due,
    worker,
)
from tests.integration.review.action_items.test_reminders import received
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents

__all__ = ["applied", "receiver", "worker"]  # fixtures used below

CANARY = "PRIVATECANARY"


def _incident(db: Database, clock: FakeClock, *, private: bool) -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="ana@corp.test", title=f"{CANARY} takeover",
            severity="P1", services=["api"], private=private,
        )  # fmt: skip
        return incident.number


def _scribe(db: Database, clock: FakeClock, number: int, move: Callable[..., Any]) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        move(session, clock, incident, role="scribe", user_email="bo@corp.test", actor="test")


def test_a_private_incidents_titles_reach_only_owners_who_are_members(
    client: TestClient,
    admin_headers: dict[str, str],
    db: Database,
    clock: FakeClock,
    worker: Worker,
    receiver: HttpReceiver,
    applied: Callable[[str], Any],
) -> None:
    applied("")
    private, public = _incident(db, clock, private=True), _incident(db, clock, private=False)
    # ana opened the private incident (a member), bo is no member of it any more (an owner
    # must be one when given the item); cy owns a public one's.
    _scribe(db, clock, private, incidents.assign_role)
    for number, owner in ((private, "ana"), (private, "bo"), (public, "cy")):
        add(
            client,
            admin_headers,
            number,
            title=f"Rotate {CANARY} creds",
            owner=f"{owner}@corp.test",
        )
    _scribe(db, clock, private, incidents.unassign_role)
    for days in (5, 2):  # reminded two days ahead (P0: due in 7 days), then overdue
        clock.advance(timedelta(days=days))
        run_due(worker)

    notices = {p: received(receiver, p) for p in ("ana", "bo", "cy")}
    assert [len(n) for n in notices.values()] == [2, 2, 2]
    for person in ("ana", "cy"):
        for notice in notices[person]:
            assert f"Rotate {CANARY} creds" in notice["message"], person
            assert f"{CANARY} takeover" in notice["message"], person
    for notice in notices["bo"]:
        assert CANARY not in notice["title"] + notice["message"]
        assert ": (a private action item)" in notice["message"]
        assert f"Incident: INC-{private} (a private incident)" in notice["message"]
    assert "overdue" in notices["bo"][1]["title"]
