"""A postmortem whose author was deactivated after being made author (they left) was reminded
to nobody: `review:postmortem:nobody` each time, and the overdue postmortem went unheard. Its
reminders and overdue notice now go to whoever would be made author now (the commander, else
whoever resolved it), saying the author can no longer write it and how to give it a new one.
On the FakeClock through the real engine worker; both databases."""

from __future__ import annotations

from sqlalchemy import update

from tests.integration.review.postmortems.org import (
    act,
    apply,
    commander,
    open_incident,
    org,
    run_due,
)
from tests.integration.review.postmortems.test_reminders import review_kinds
from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders


def _to(sender: senders.FakeSender, person: str) -> list[senders.Outgoing]:
    return [m for m in sender.sent if m.url.endswith(f"/{person}") and "postmortem" in m.title]


def test_the_reminders_of_a_departed_author_go_to_who_would_be_author_now(
    db: Database, clock: FakeClock, worker: Worker, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)  # ic commands: the author when resolved
    act(db, clock, number, "resolve", actor="resp@corp.test")  # due 48 h later
    with db.session() as session:
        session.execute(update(User).where(User.email == "ic@corp.test").values(active=False))
        session.commit()

    for hours in (24, 23, 1):  # the 24 h reminder, the 1 h one, the due time
        clock.advance(hours=hours)
        run_due(worker)

    assert _to(sender, "ic") == []
    notices = _to(sender, "resp")
    assert len(notices) == 3  # 24 h and 1 h before, then overdue
    assert "postmortem due in 1d: its author ic@corp.test can no longer write it" in (
        notices[0].title
    )
    assert "postmortem overdue: its author ic@corp.test" in notices[2].title
    assert f"warroom postmortem assign {number} --author EMAIL" in notices[2].body
    kinds = review_kinds(db, number)
    assert "review:postmortem:nobody" not in kinds
    assert kinds.count("review:postmortem:reminded") == 3
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows, _ = timeline.timeline_page(
            session, incident_id=incident.id, kind_prefix="review:postmortem:reminded", limit=10
        )
        assert [(e.payload["to"], e.payload.get("author_cannot_write")) for e in rows] == [
            (["resp@corp.test"], True),
        ] * 3
