"""An item whose owner is deactivated (left, or removed from the config) is not reminded into
the void: its reminder and overdue notice went to nobody (`to: []` on a `reminded` event) and
the item rotted unheard. They now go to whoever can hand it on (the incident's commander here),
saying the owner is deactivated and how to give it a new owner; an active owner is reminded as
before. On the FakeClock through the real engine worker and a real local HTTP receiver."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver
from tests.integration.review.action_items.conftest import add, apply, org, run_due
from tests.integration.review.action_items.test_api import events
from tests.integration.review.action_items.test_reminders import received
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents


def _without_ana(hook: str) -> str:
    """The organisation with ana removed from the config (so deactivated)."""
    gone = f'  - email: ana@corp.test\n    name: ana\n    contact_methods: [{{name: push, url: "json://{hook}/ana"}}]\n'
    text = org(hook)
    assert gone in text
    return text.replace(gone, "")


def test_the_notices_of_a_deactivated_owner_go_to_the_commander(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    worker: Worker,
    receiver: HttpReceiver,
) -> None:
    item = add(client, admin_headers, number)  # ana's, due in 7 days, reminded 2 days ahead
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session, clock, incident, role="incident_commander", user_email="bo@corp.test",
            actor="test",
        )  # fmt: skip
        session.commit()
    apply(db, clock, _without_ana(receiver.url))

    clock.advance(timedelta(days=5))
    run_due(worker)
    clock.advance(timedelta(days=2))
    run_due(worker)

    notices = received(receiver, "bo")
    assert len(notices) == 2
    reminder, overdue = notices
    assert "due in 2 days: its owner ana@corp.test is deactivated" in reminder["title"]
    assert "overdue: its owner ana@corp.test is deactivated" in overdue["title"]
    for notice in notices:
        assert "Owner: ana@corp.test (deactivated)" in notice["message"]
        assert f"warroom action-item update {item['id']} --owner EMAIL" in notice["message"]
    assert received(receiver, "ana") == [] and received(receiver, "cy") == []
    found = [(kind, p) for kind, p in events(db, number) if kind.startswith("review:action")]
    assert [(kind, p["to"], p.get("owner_deactivated")) for kind, p in found[1:]] == [
        ("review:action_item:reminded", ["bo@corp.test"], True),
        ("review:action_item:overdue", ["bo@corp.test"], True),
    ]


def test_an_active_owner_is_reminded_as_before(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    worker: Worker,
    receiver: HttpReceiver,
) -> None:
    add(client, admin_headers, number)
    clock.advance(timedelta(days=5))
    run_due(worker)
    (notice,) = received(receiver, "ana")
    assert "deactivated" not in notice["title"] + notice["message"]
    reminded = [p for kind, p in events(db, number) if kind == "review:action_item:reminded"]
    assert reminded == [reminded[0]] and "owner_deactivated" not in reminded[0]
    assert reminded[0]["to"] == ["ana@corp.test"]
