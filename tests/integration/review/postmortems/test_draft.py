"""A scripted incident on the FakeClock and the postmortem drafted from it: every section,
response times against hand-computed values, starred events first, hypotheses with outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.postmortems import render
from warroom.review.postmortems import service as postmortems

SECTIONS = [
    "Summary",
    "Impact",
    "Detection and response",
    "Timeline (UTC)",
    "Mitigations and actions",
    "Hypotheses",
    "Root cause",
    "Contributing factors",
    "Five whys",
    "Why it was not caught earlier",
    "What went well",
    "What could be improved",
    "Surprises",
    "Action items",
]


def script(db: Database, clock: FakeClock) -> int:
    """Opened 12:00, acked 12:04, a note 12:10 (starred), hypotheses, mitigated 12:50,
    resolved 13:30 by a person while ic@ is the incident commander."""
    apply(db, clock, org())
    number = open_incident(
        db,
        clock,
        summary="Card payments failed with a timeout.",
        impact={"customer_facing": True, "data_loss": "no", "affected": ["EU shoppers"]},
    )
    clock.advance(minutes=2)
    commander(db, clock, number)
    clock.advance(minutes=2)
    act(db, clock, number, "ack")
    clock.advance(minutes=6)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        note = incidents.add_note(
            session, clock, incident, text="Provider | timeouts since 11:58", actor="resp@corp.test"
        )
        timeline.star_event(
            session,
            clock,
            incident_id=incident.id,
            seq=note.seq,
            starred=True,
            actor="ic@corp.test",
        )
        first = incidents.add_hypothesis(
            session, clock, incident, text="Expired certificate", actor="resp@corp.test"
        )
        second = incidents.add_hypothesis(
            session, clock, incident, text="Connection pool exhausted", actor="resp@corp.test"
        )
        incidents.update_hypothesis(
            session, clock, incident, first.id, actor="resp@corp.test", status="ruled_out"
        )
        incidents.update_hypothesis(
            session, clock, incident, second.id, actor="resp@corp.test", status="confirmed"
        )
    clock.advance(minutes=40)
    act(db, clock, number, "mitigate")
    clock.advance(minutes=40)
    act(db, clock, number, "resolve")
    return number


def test_resolving_creates_the_draft_with_every_section_and_the_times(
    db: Database, clock: FakeClock
) -> None:
    number = script(db, clock)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None and pm.state == "draft"
        assert pm.author == "ic@corp.test"  # the incident commander
        resolved = datetime(2026, 1, 1, 13, 30, tzinfo=UTC)
        assert pm.due_at is not None and pm.due_at.replace(tzinfo=UTC) == resolved + timedelta(
            hours=48
        )
        text = postmortems.markdown_of(session, incident, pm)
    assert render.sections(text) == SECTIONS
    assert f"# Postmortem: INC-{number} Checkout fails" in text
    assert "Card payments failed with a timeout." in text
    assert "- **Users affected**: EU shoppers" in text
    assert "- **Customer facing**: yes" in text
    assert "- **Services impacted**: api, db" in text
    assert "- **Data loss**: no" in text
    assert "- **Duration**: 1h 30m" in text
    assert "**Due**: 2026-01-03 13:30 UTC" in text
    assert "| Detected | 2026-01-01 12:00 UTC | 0s |  | no target |" in text
    assert "| Acknowledged | 2026-01-01 12:04 UTC | 4m | 5m | yes |" in text
    assert "| Responded | 2026-01-01 12:10 UTC | 10m | 15m | yes |" in text
    assert "| Mitigated | 2026-01-01 12:50 UTC | 50m |  | no target |" in text
    assert "| Resolved | 2026-01-01 13:30 UTC | 1h 30m | 1h | no |" in text
    # The starred note leads the timeline; its pipe cannot break the table.
    key, every = text.split("Key moments")[1].split("Every event:")
    assert "| 2026-01-01 12:10 UTC | T+10m | note: Provider \\| timeouts" in key
    assert key.count("| 2026-01-01") == 1
    assert "| mitigated |" in every and "| resolved |" in every
    assert "| Expired certificate | ruled out |" in text
    assert "| Connection pool exhausted | confirmed |" in text
    assert "blameless" in text.lower()


def test_a_draft_not_yet_required_or_never_resolved(db: Database, clock: FakeClock) -> None:
    apply(db, clock, org())
    low = open_incident(db, clock, severity="P3")
    act(db, clock, low, "resolve")
    medium = open_incident(db, clock, severity="P2")
    act(db, clock, medium, "ack", actor="resp@corp.test")
    clock.advance(hours=1)
    act(db, clock, medium, "resolve", actor="warroom:intake")
    with db.session() as session:
        low_incident = incidents.get_incident(session, low)
        assert postmortems.get_for_incident(session, low_incident.id) is None
        incident = incidents.get_incident(session, medium)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None and pm.due_at is not None and incident.resolved_at is not None
        # No due_within on P2: the default 48 h; no commander and resolved by warroom: nobody.
        assert pm.due_at.replace(tzinfo=UTC) - incident.resolved_at.replace(tzinfo=UTC) == (
            timedelta(hours=48)
        )
        assert pm.author is None
        text = postmortems.markdown_of(session, incident, pm)
    assert "| Acknowledged | 2026-01-01 12:00 UTC | 0s |  | no target |" in text
    assert "**Author**: _To fill in._" in text


def test_reopened_then_resolved_keeps_its_one_postmortem(db: Database, clock: FakeClock) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    act(db, clock, number, "resolve")
    clock.advance(hours=1)
    act(db, clock, number, "reopen")
    clock.advance(hours=1)
    act(db, clock, number, "resolve")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        created = timeline.events_since(
            session, incident_id=incident.id, kinds=["review:postmortem:created"]
        )
        assert len(created) == 1
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None and pm.due_at is not None
        # Not owed while reopened: due 48 h from the second resolve (see
        # test_paused_while_reopened.py), not from the first.
        assert pm.due_at.replace(tzinfo=UTC) == datetime(2026, 1, 3, 14, 0, tzinfo=UTC)
        assert created[0].payload["author"] == "resp@corp.test"  # resolved by a person
