"""The draft's acknowledgement of an incident reopened by a re-fire is judged as the analytics
report judges it: the re-fire pages again from level 1, so the wait for an acknowledgement
starts again there, and every wait before the acknowledgement must be within the target.
P1 acknowledges within 5 min; both incidents open at 12:00 and are re-fired at 14:00 and
acknowledged at 14:01; on both databases."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.review.postmortems.org import act, apply, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.postmortems import service as postmortems


def _acknowledged_row(db: Database, clock: FakeClock, first_resolve_after: int) -> str:
    opened = clock.now()
    number = open_incident(db, clock)
    clock.set(opened + timedelta(minutes=first_resolve_after))
    act(db, clock, number, "resolve")  # no acknowledgement: the postmortem is made now
    clock.set(opened + timedelta(hours=2))
    with db.session() as session:
        incidents.refire(
            session, clock, incidents.get_incident(session, number), actor="intake:alertmanager"
        )
    clock.set(opened + timedelta(hours=2, minutes=1))
    act(db, clock, number, "ack")
    clock.set(opened + timedelta(hours=2, minutes=10))
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None
        text = postmortems.markdown_of(session, incident, pm)
    clock.set(opened + timedelta(days=1))
    [row] = [line for line in text.splitlines() if line.startswith("| Acknowledged |")]
    return row


def test_an_acknowledgement_after_a_refire_is_timed_from_the_refire(
    db: Database, clock: FakeClock
) -> None:
    apply(db, clock, org())
    # Resolved 2 min after opening (within the target, unacknowledged): acknowledged 1 min
    # after the re-fire, in time.
    quick = _acknowledged_row(db, clock, first_resolve_after=2)
    assert (
        quick == "| Acknowledged | 2026-01-01 14:01 UTC | 2h 1m | 5m | yes (1m after the re-fire) |"
    )
    # Resolved 30 min after opening without an acknowledgement: the first page waited past
    # the target, however fast the re-fire's was acknowledged.
    slow = _acknowledged_row(db, clock, first_resolve_after=30)
    assert (
        slow == "| Acknowledged | 2026-01-02 14:01 UTC | 2h 1m | 5m | no (1m after the re-fire) |"
    )


def test_an_incident_ended_within_the_target_owed_no_acknowledgement(
    db: Database, clock: FakeClock
) -> None:
    """Resolved 2 min after opening without an acknowledgement: none was owed (the analytics
    count it in neither met nor missed); resolved after 30 min without one: missed."""
    apply(db, clock, org())
    rows = []
    for minutes in (2, 30):
        opened = clock.now()
        number = open_incident(db, clock)
        clock.set(opened + timedelta(minutes=minutes))
        act(db, clock, number, "resolve")
        with db.session() as session:
            incident = incidents.get_incident(session, number)
            pm = postmortems.get_for_incident(session, incident.id)
            assert pm is not None
            text = postmortems.markdown_of(session, incident, pm)
        rows += [line for line in text.splitlines() if line.startswith("| Acknowledged |")]
        clock.set(opened + timedelta(days=1))
    assert rows == [
        "| Acknowledged | never |  | 5m | not owed (ended within the target) |",
        "| Acknowledged | never |  | 5m | no (never) |",
    ]
