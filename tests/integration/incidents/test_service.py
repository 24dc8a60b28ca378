"""Incident service on both databases: opening, severity, roles, notes, work, listing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_incident, make_user
from warroom.audit.models import TimelineEvent
from warroom.audit.service import chain_head
from warroom.catalog.service import severities_by_key as severities
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.errors import Conflict, Invalid, NotFound
from warroom.events import DomainEvent, subscribe, unsubscribe
from warroom.incidents import service
from warroom.incidents.models import Incident
from warroom.incidents.present import UpdateDue, due_times


def _kinds(session: Session, incident: Incident) -> list[str]:
    return list(
        session.scalars(
            select(TimelineEvent.kind)
            .where(TimelineEvent.chain == incident.id)
            .order_by(TimelineEvent.seq)
        )
    )


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_open_records_opened_with_number(session: Session, clock: FakeClock) -> None:
    first = make_incident(session, clock, services=["database", "api-gateway"], source="intake")
    second = make_incident(session, clock, title="Second")
    assert (first.number, second.number) == (1, 2)
    assert first.ref == "INC-1"
    assert first.service_keys == ["api-gateway", "database"]
    event = session.scalar(select(TimelineEvent).where(TimelineEvent.chain == first.id))
    assert event is not None and event.kind == "incident:incident:opened"
    assert event.payload["number"] == 1
    assert event.payload["severity"] == "SEV2"
    assert event.payload["services"] == ["api-gateway", "database"]
    assert event.payload["source"] == "intake"
    assert service.get_incident(session, 2).title == "Second"
    with pytest.raises(NotFound):
        service.get_incident(session, 99)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"severity": "SEV9"}, "severity"),
        ({"services": ["nope"]}, "services"),
        ({"title": "  "}, "title"),
        ({"impact": {"data_loss": "maybe"}}, "impact.data_loss"),
        ({"impact": {"colour": "red"}}, "impact.colour"),
        ({"tags": [""]}, "tags"),
    ],
)
def test_open_rejects_bad_input_and_writes_nothing(
    session: Session, clock: FakeClock, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        make_incident(session, clock, **fields)
    assert caught.value.field == field
    session.rollback()
    assert _count(session, Incident) == 0
    assert _count(session, TimelineEvent) == 0


def test_impact_drill_private_tags(session: Session, clock: FakeClock) -> None:
    incident = make_incident(
        session,
        clock,
        impact={"customer_facing": True, "data_loss": "no", "scope": "EU", "affected": ["m1"]},
        drill=True,
        private=True,
        tags=["oracle", "oracle", "db"],
    )
    assert incident.impact == {
        "customer_facing": True,
        "data_loss": "no",
        "scope": "EU",
        "affected": ["m1"],
    }
    assert (incident.drill, incident.private, incident.tags) == (True, True, ["oracle", "db"])


def test_severity_raise_and_lower(session: Session, clock: FakeClock) -> None:
    incident = make_incident(session, clock, severity="SEV2")
    service.change_severity(
        session, clock, incident, severity="SEV0", reason="keys", actor="ic@example.com"
    )
    service.change_severity(
        session, clock, incident, severity="SEV3", reason="contained", actor="ic@example.com"
    )
    assert incident.severity == "SEV3"
    assert _kinds(session, incident)[1:] == [
        "incident:severity:raised",
        "incident:severity:lowered",
    ]
    with pytest.raises(Conflict):
        service.change_severity(session, clock, incident, severity="SEV3", reason="x", actor="a")
    with pytest.raises(Invalid) as caught:
        service.change_severity(session, clock, incident, severity="SEV1", reason=" ", actor="a")
    assert caught.value.field == "reason"
    with pytest.raises(Invalid) as caught:
        service.change_severity(session, clock, incident, severity="P0", reason="x", actor="a")
    assert caught.value.field == "severity"


def test_roles_assign_handover_many_roles_unassign(session: Session, clock: FakeClock) -> None:
    for email in ("jane@example.com", "john@example.com"):
        make_user(session, clock, email)
    incident = make_incident(session, clock)
    assign = service.assign_role
    assign(
        session,
        clock,
        incident,
        role="incident_commander",
        user_email="jane@example.com",
        actor="a",
    )
    assign(session, clock, incident, role="scribe", user_email="jane@example.com", actor="a")
    assign(
        session,
        clock,
        incident,
        role="incident_commander",
        user_email="john@example.com",
        actor="a",
    )
    assign(
        session,
        clock,
        incident,
        role="subject_matter_expert",
        user_email="jane@example.com",
        actor="a",
    )
    assign(
        session,
        clock,
        incident,
        role="subject_matter_expert",
        user_email="john@example.com",
        actor="a",
    )
    held = [(r.role, r.user_email) for r in service.current_roles(session, incident)]
    assert held == [
        ("incident_commander", "john@example.com"),
        ("scribe", "jane@example.com"),
        ("subject_matter_expert", "jane@example.com"),
        ("subject_matter_expert", "john@example.com"),
    ]
    kinds = _kinds(session, incident)
    assert kinds.count("incident:role:handed_over") == 1
    handover = session.scalar(
        select(TimelineEvent).where(TimelineEvent.kind == "incident:role:handed_over")
    )
    assert handover is not None
    assert handover.payload == {
        "role": "incident_commander",
        "from": "jane@example.com",
        "to": "john@example.com",
    }
    service.unassign_role(
        session, clock, incident, role="scribe", user_email="jane@example.com", actor="a"
    )
    assert _kinds(session, incident)[-1] == "incident:role:unassigned"
    with pytest.raises(Invalid) as caught:
        assign(session, clock, incident, role="chef", user_email="jane@example.com", actor="a")
    assert caught.value.field == "role"
    with pytest.raises(Invalid) as caught:
        assign(session, clock, incident, role="scribe", user_email="ghost@example.com", actor="a")
    assert caught.value.field == "user_email"


def test_membership(session: Session, clock: FakeClock) -> None:
    make_user(session, clock, "member@example.com")
    incident = make_incident(session, clock, private=True, actor="creator@example.com")
    assert service.is_member(session, incident, "creator@example.com")
    assert not service.can_read(session, incident, "member@example.com", is_admin=False)
    assert service.can_read(session, incident, "boss@example.com", is_admin=True)
    service.assign_role(
        session,
        clock,
        incident,
        role="on_call_engineer",
        user_email="member@example.com",
        actor="a",
    )
    assert service.can_read(session, incident, "member@example.com", is_admin=False)


def test_notes_hypotheses_tasks(session: Session, clock: FakeClock) -> None:
    incident = make_incident(session, clock)
    make_user(session, clock, "jane@example.com")
    service.add_note(session, clock, incident, text="looking at the DB", actor="a")
    h = service.add_hypothesis(
        session, clock, incident, text="Database corruption", actor="a", owner="jane@example.com"
    )
    service.add_hypothesis(session, clock, incident, text="IPFS snapshot mismatch", actor="a")
    service.update_hypothesis(session, clock, incident, h.id, status="ruled_out", actor="b")
    t = service.add_task(
        session, clock, incident, text="Check integrity", actor="a", assignee="jane@example.com"
    )
    service.update_task(session, clock, incident, t.id, done=True, actor="jane@example.com")
    service.update_task(session, clock, incident, t.id, done=False, actor="jane@example.com")
    assert [x.status for x in service.list_hypotheses(session, incident)] == [
        "ruled_out",
        "investigating",
    ]
    assert not service.list_tasks(session, incident)[0].done
    assert _kinds(session, incident)[1:] == [
        "incident:note:added",
        "incident:hypothesis:added",
        "incident:hypothesis:added",
        "incident:hypothesis:updated",
        "incident:task:added",
        "incident:task:done",
        "incident:task:reopened",
    ]
    with pytest.raises(Invalid):
        service.update_hypothesis(session, clock, incident, h.id, status="maybe", actor="b")
    with pytest.raises(Invalid):
        service.add_note(session, clock, incident, text="", actor="a")
    with pytest.raises(NotFound):
        service.update_task(session, clock, incident, 999, done=True, actor="a")


def test_due_times_follow_severity_and_updates(session: Session, clock: FakeClock) -> None:
    """Targets from the severity; the next updates as given (the comms cadence's, see
    tests/integration/incidents/test_due_updates.py), shown while the incident is open."""
    incident = make_incident(session, clock, severity="SEV0")
    opened = incident.opened_at
    sev = severities(session)
    updates = {"internal": UpdateDue(opened + timedelta(minutes=15))}
    due = due_times(incident, sev["SEV0"], clock.now(), updates)
    assert due.acknowledge_by == opened + timedelta(minutes=5)
    assert due.resolve_by == opened + timedelta(hours=1)
    assert due.next_internal_update_by == opened + timedelta(minutes=15)
    assert due.next_external_update_by is None and not due.external_update_overdue
    assert not due.acknowledge_overdue and not due.internal_update_overdue
    clock.advance(minutes=20)
    due = due_times(incident, sev["SEV0"], clock.now(), updates)
    assert due.acknowledge_overdue and due.internal_update_overdue
    service.acknowledge(session, clock, incident, actor="a")
    due = due_times(incident, sev["SEV0"], clock.now(), updates)
    assert not due.acknowledge_overdue
    # Overdue as soon as the engine found it so, whatever the clock of the reader says.
    late = {"external": UpdateDue(clock.now() + timedelta(minutes=1), clock.now())}
    assert due_times(incident, sev["SEV0"], clock.now(), late).external_update_overdue
    service.change_severity(session, clock, incident, severity="SEV2", reason="ok", actor="a")
    due = due_times(incident, sev["SEV2"], clock.now(), {})
    assert due.resolve_by == opened + timedelta(days=1) and due.next_external_update_by is None
    service.resolve(session, clock, incident, actor="a")
    clock.advance(days=3)
    due = due_times(incident, sev["SEV2"], clock.now(), updates)
    assert not due.resolve_overdue and due.next_internal_update_by is None
    assert not due.internal_update_overdue


def test_status_update_event_moves_external_cadence(session: Session, clock: FakeClock) -> None:
    from warroom.audit import service as timeline

    incident = make_incident(session, clock, severity="SEV0")
    clock.advance(minutes=10)
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="comms:update:published",
        actor="comms",
        payload={"audience": "external"},
    )
    session.refresh(incident)
    assert incident.last_external_update_at == clock.now()
    assert incident.last_internal_update_at == incident.opened_at


def test_failing_change_leaves_no_event(seeded: Database, clock: FakeClock) -> None:
    with seeded.session() as session:
        number = make_incident(session, clock).number

    def boom(_s: Session, _c: Any, _e: DomainEvent) -> None:
        raise RuntimeError("subscriber failed")

    subscribe("incident:status:acknowledged", boom)
    try:
        with pytest.raises(RuntimeError), seeded.session() as session:
            service.acknowledge(session, clock, service.get_incident(session, number), actor="a")
    finally:
        unsubscribe("incident:status:acknowledged", boom)
    with seeded.session() as session:
        incident = service.get_incident(session, number)
        assert incident.status == "triggered" and incident.acknowledged_at is None
        assert _kinds(session, incident) == ["incident:incident:opened"]
        assert chain_head(session, incident_id=incident.id)[0] == 1


def test_list_filters_and_cursor(session: Session, clock: FakeClock) -> None:
    made = []
    for i in range(7):
        clock.advance(hours=1)
        sev = "SEV1" if i % 2 else "SEV2"
        made.append(
            make_incident(session, clock, severity=sev, services=["database"] if i < 3 else [])
        )
    service.acknowledge(session, clock, made[6], actor="a")
    page, cursor = service.list_incidents(session, limit=3)
    assert [i.number for i in page] == [7, 6, 5] and cursor
    page, cursor = service.list_incidents(session, limit=3, cursor=cursor)
    assert [i.number for i in page] == [4, 3, 2]
    page, cursor = service.list_incidents(session, limit=3, cursor=cursor)
    assert [i.number for i in page] == [1] and cursor is None
    by = service.list_incidents
    assert [i.number for i in by(session, severity=["SEV1"])[0]] == [6, 4, 2]
    assert [i.number for i in by(session, status=["acknowledged"])[0]] == [7]
    assert [i.number for i in by(session, service="database")[0]] == [3, 2, 1]
    since = made[4].opened_at
    assert [i.number for i in by(session, since=since)[0]] == [7, 6, 5]
    with pytest.raises(Invalid) as caught:
        by(session, status=["open"])
    assert caught.value.field == "status"


def test_private_hidden_from_non_members_in_listing(session: Session, clock: FakeClock) -> None:
    make_incident(session, clock, private=True, actor="owner@example.com")
    make_incident(session, clock)
    assert [i.number for i in service.list_incidents(session, viewer="x@example.com")[0]] == [2]
    assert len(service.list_incidents(session, viewer="owner@example.com")[0]) == 2
    assert len(service.list_incidents(session, viewer=None)[0]) == 2


def test_private_listing_matches_the_viewer_without_case(
    session: Session, clock: FakeClock
) -> None:
    """A creator or member whose address differs in case sees the private incident listed,
    as the access checks let them read it."""
    make_incident(session, clock, private=True, actor="Owner@Example.com")
    member_of = make_incident(session, clock, private=True, actor="someone@example.com")
    scribe = make_user(session, clock, "Scribe@Example.com")
    service.assign_role(
        session,
        clock,
        member_of,
        role="scribe",
        user_email=scribe.email,
        actor="someone@example.com",
    )
    listed = service.list_incidents
    assert [i.number for i in listed(session, viewer="owner@example.com")[0]] == [1]
    assert [i.number for i in listed(session, viewer="OWNER@example.COM")[0]] == [1]
    assert [i.number for i in listed(session, viewer="scribe@example.com")[0]] == [2]
    assert listed(session, viewer="other@example.com")[0] == []


def test_dedup_group_finds_open_incident(session: Session, clock: FakeClock) -> None:
    incident = make_incident(session, clock, dedup_group="svc:db")
    assert service.find_open_by_dedup_group(session, "svc:db") is incident
    service.resolve(session, clock, incident, actor="a")
    assert service.find_open_by_dedup_group(session, "svc:db") is None


def test_concurrent_opens_get_distinct_numbers(seeded: Database, clock: FakeClock) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                with seeded.session() as session:
                    service.open_incident(session, clock, actor="a", title="t", severity="SEV3")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with seeded.session() as session:
        numbers = sorted(session.scalars(select(Incident.number)))
    assert numbers == list(range(1, 21))


def test_concurrent_writers_to_one_incident_keep_the_chain(
    seeded: Database, clock: FakeClock
) -> None:
    from warroom.audit.verify import verify

    with seeded.session() as session:
        number = make_incident(session, clock).number
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                with seeded.session() as session:
                    incident = service.get_incident(session, number)
                    service.add_note(session, clock, incident, text=f"{n}-{i}", actor="a")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with seeded.session() as session:
        report = verify(session)
        assert report.ok, report.problems
        assert report.events == 21
