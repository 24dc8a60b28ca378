"""A noisy incident's postmortem draft keeps what matters: the lifecycle (acknowledged,
mitigated, resolved), severity changes, role hand-overs, status updates, actions and starred
events are listed however many alert and paging events came in between, and the draft says how
many routine events it left out and how to see them all (`warroom timeline N --all`). The draft
listed the first 500 events only: 1,200 alert events after the acknowledgement pushed the
mitigation and resolution out of it. On both databases."""

from __future__ import annotations

import re

from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.postmortems import service as postmortems

NOISE = 1200


def _noise(db: Database, clock: FakeClock, number: int, count: int) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        for i in range(count):
            kind = "intake:alert:grouped" if i % 2 else "paging:notification:sent"
            timeline.record(
                session, clock, incident_id=incident.id, kind=kind, actor="alertmanager",
                payload={"alerts": [f"QueueDepth-{i}"], "channel": "push"},
            )  # fmt: skip


def test_the_key_events_stay_and_the_routine_ones_left_out_are_counted(
    db: Database, clock: FakeClock
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    act(db, clock, number, "ack")
    _noise(db, clock, number, NOISE)
    clock.advance(minutes=5)
    commander(db, clock, number)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.change_severity(
            session, clock, incident, severity="P2", reason="one region only", actor="ic@corp.test"
        )
        note = incidents.add_note(
            session, clock, incident, text="Rolled back the consumer", actor="resp@corp.test"
        )
        timeline.star_event(
            session, clock, incident_id=incident.id, seq=note.seq, starred=True,
            actor="ic@corp.test",
        )  # fmt: skip
    _noise(db, clock, number, 10)
    clock.advance(minutes=5)
    act(db, clock, number, "mitigate")
    clock.advance(minutes=5)
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None
        text = postmortems.markdown_of(session, incident, pm)
    every = text.split("Every event:")[1].split("## Mitigations")[0]
    for what in ("| acknowledged", "| mitigated", "| resolved", "one region only",
                 "ic@corp.test is incident commander", "Rolled back the consumer"):  # fmt: skip
        assert what in every, what
    key = text.split("Key moments")[1].split("Every event:")[0]
    assert "Rolled back the consumer" in key
    listed = every.count("\n| 20")
    routine = len(re.findall(r"alert joined|push .*delivered", every))
    assert listed < 520 and routine == 500  # the first 500 routine events
    left_out = NOISE + 10 - routine
    assert (
        f"_{left_out} routine events (alerts, pages, notifications and the like) are not "
        "listed; every lifecycle, severity, role, status update, action and starred event is. "
        f"See them all with `warroom timeline {number} --all`._" in every
    )


def test_a_quiet_incident_lists_every_event_and_says_nothing_left_out(
    db: Database, clock: FakeClock
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    act(db, clock, number, "ack")
    _noise(db, clock, number, 20)
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None
        text = postmortems.markdown_of(session, incident, pm)
    every = text.split("Every event:")[1].split("## Mitigations")[0]
    assert len(re.findall(r"alert joined|push .*delivered", every)) == 20
    assert "not listed" not in every
