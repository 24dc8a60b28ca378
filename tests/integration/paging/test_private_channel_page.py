"""A private incident is never paged to a chat channel (a channel is not one of its members):
its people are paged as usual and the timeline says which channels were left out; a public
incident on the same policy is paged to the channel. Both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.integration.paging.world import ORG, apply, sender, worker
from warroom.audit import service as audit
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

__all__ = ["sender"]

WITH_ROOM = ORG.replace(
    "      - notify: [schedule:atlas-primary]\n",
    "      - notify: [schedule:atlas-primary, channel:ops-room]\n",
) + ('channels:\n  - {key: ops-room, name: "#ops", url: "json://127.0.0.1:9/ops-room"}\n')


def _open_and_page(db: Database, clock: FakeClock, settings: Settings, private: bool) -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session,
            clock,
            actor="oncall1@atlas.test",
            title="Payroll account taken over",
            severity="P0",
            services=["api"],
            private=private,
        )
        number = incident.number
    run = worker(db, clock, settings)
    while run.run_once():
        pass
    return number


def _events(db: Database, number: int) -> list[tuple[str, dict[str, Any]]]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
            .order_by(TimelineEvent.id)
        )
        return [(row.kind, dict(row.payload)) for row in rows]


def test_a_private_incident_pages_its_people_but_no_channel(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    assert "channel:ops-room" in WITH_ROOM
    apply(db, clock, WITH_ROOM)
    number = _open_and_page(db, clock, settings, private=True)
    urls = [m.url for m in sender.sent]
    assert not [u for u in urls if u.endswith("/ops-room")]
    assert [u for u in urls if u.endswith("/oncall1-push")]  # the on-call is paged as usual
    withheld = [p for kind, p in _events(db, number) if kind == "paging:page:withheld"]
    assert [p["channels"] for p in withheld] == [["ops-room"]]
    sentence = audit.sentence("paging:page:withheld", withheld[0])
    assert "ops-room" in sentence and "private" in sentence


def test_a_public_incident_on_the_same_policy_pages_the_channel(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    apply(db, clock, WITH_ROOM)
    number = _open_and_page(db, clock, settings, private=False)
    assert [m for m in sender.sent if m.url.endswith("/ops-room")]
    assert not [k for k, _ in _events(db, number) if k == "paging:page:withheld"]
