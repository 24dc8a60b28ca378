"""The paging burst path does less per incident (issue 8): the `paging.plan` job pages
level 1 itself, and paging's jobs share transactions (batch=True), taken by incident id.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event, select

from tests.integration.paging.world import ORG, apply, sender, worker
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import registry
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, batchable, handler, register
from warroom.incidents import moves
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.notify.models import Message
from warroom.paging import runtime
from warroom.paging.models import IncidentEscalation, Page
from warroom.settings import Settings

__all__ = ["sender"]


def _open(db: Database, clock: FakeClock, title: str = "API down") -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, title=title, severity="P0", services=["api"], actor="test"
        )
        session.flush()
        return incident.id


def test_the_plan_job_pages_level_one_without_an_escalate_job(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    apply(db, clock, ORG)
    incident_id = _open(db, clock)
    assert worker(db, clock, settings).run_once() >= 2  # the plan, the delivery
    with db.session() as session:
        jobs = session.scalars(select(Job).where(Job.incident_id == incident_id)).all()
        escalations = [j for j in jobs if j.kind == runtime.ESCALATE_KIND]
        # Only level 2 is queued (due in 5 minutes); level 1 was paged by the plan job.
        assert [(j.payload["level"], j.state) for j in escalations] == [(1, "pending")]
        plan = next(j for j in jobs if j.kind == runtime.PLAN_KIND)
        assert plan.state == "done"
        pages = session.scalars(select(Page).where(Page.incident_id == incident_id)).all()
        assert [(p.reason, p.target) for p in pages] == [("escalation", "schedule:atlas-primary")]
        kinds = session.scalars(
            select(TimelineEvent.kind)
            .where(TimelineEvent.incident_id == incident_id)
            .where(TimelineEvent.kind.startswith("paging:"))
            .order_by(TimelineEvent.seq)
        ).all()
        assert kinds[:3] == [
            "paging:escalation:planned",
            "paging:escalation:triggered",
            "paging:page:queued",
        ]
        assert "paging:incident:unpaged" not in kinds
        messages = session.scalars(select(Message).where(Message.incident_id == incident_id))
        assert [m.state for m in messages] == ["sent"]
    assert [m.url.rsplit("/", 1)[-1] for m in sender.sent] == ["oncall1-push"]


def test_paging_jobs_share_transactions() -> None:
    from warroom.paging import handlers

    assert handlers.plan.job_batch and handlers.escalate.job_batch  # type: ignore[attr-defined]
    assert handlers.unresolved.job_batch and handlers.notify_later.job_batch  # type: ignore[attr-defined]
    for kind in (runtime.PLAN_KIND, runtime.ESCALATE_KIND, runtime.UNRESOLVED_KIND):
        assert batchable(kind)


SEEN: list[int] = []


@handler("test.burst.order", batch=True)
def _note_order(ctx: JobContext, job: Job) -> None:
    SEEN.append(int(job.payload["n"]))


def test_a_shared_transaction_takes_its_incidents_by_id(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    """Jobs queued for incidents 30, 10, 20 (in that order) run for 10, 20, 30: two shared
    transactions can then only wait for each other, never deadlock (docs/dev/engine.md)."""
    register("test.burst.order", _note_order, batch=True)
    SEEN.clear()
    try:
        with db.session() as session:
            for n, incident_id in enumerate((30, 10, 20, 10)):
                engine.enqueue(
                    session, clock, "test.burst.order", {"n": n}, incident_id=incident_id
                )
        assert worker(db, clock, settings).run_once() == 4
    finally:
        registry._handlers.pop("test.burst.order", None)
        registry._batchable.discard("test.burst.order")
    # Incident 10's two jobs in the order they were queued (1 before 3), then 20, then 30.
    assert SEEN == [1, 3, 2, 0]


def test_a_shared_transaction_locks_its_incidents_together_and_sees_its_own_plans(
    db: Database, clock: FakeClock, settings: Settings, sender: Any, caplog: Any
) -> None:
    """Three new incidents, the second raised to P0 before anything ran: its plan job and its
    severity job share the transaction with the others. The incidents (and their escalation
    states) are locked together, by id, in one statement each; the severity job still finds
    the state its plan just inserted (it follows the raise; it does not plan the incident
    again), and nothing is rolled back to run alone."""
    apply(db, clock, ORG)
    opened = [_open(db, clock, f"API down {n}") for n in range(3)]
    with db.session() as session:
        incident = session.get(Incident, opened[1])
        assert incident is not None
        moves.change_severity(
            session, clock, incident, severity="P2", reason="not so bad", actor="test"
        )
    locks: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM incidents" in statement and "incidents.id IN" in statement:
            locks.append(statement)

    caplog.set_level(logging.INFO, logger="warroom.engine")
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert worker(db, clock, settings).run_once() >= 4 + 3  # the plans, the deliveries
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert "rolled back" not in caplog.text
    assert len(locks) == 1, locks  # the three incidents at once
    with db.session() as session:
        states = session.scalars(
            select(IncidentEscalation).where(IncidentEscalation.incident_id.in_(opened))
        ).all()
        assert sorted(s.incident_id for s in states) == opened  # one each
        lowered = next(s for s in states if s.incident_id == opened[1])
        assert lowered.ladder_severity == "P2" and lowered.ladder == []
        pages = session.scalars(select(Page).where(Page.incident_id.in_(opened))).all()
        assert sorted(p.incident_id for p in pages) == opened  # level 1 once each
        rungs = session.scalars(
            select(Job.incident_id).where(
                Job.kind == runtime.UNRESOLVED_KIND, Job.state == "pending"
            )
        ).all()
        assert sorted(r or 0 for r in rungs) == [opened[0], opened[0], opened[2], opened[2]]


# One person, one level (with a second after 5 minutes), an unresolved ladder of two rungs.
PLAIN = """\
severities:
  - key: P0
    name: Critical
    escalate_while_unresolved:
      - {after: 30m, notify: [user:oncall@plain.test]}
      - {after: 60m, notify: [user:oncall@plain.test]}
users:
  - email: oncall@plain.test
    name: On-call
    contact_methods: [{name: hook, url: "json://127.0.0.1:9/page"}]
escalation_policies:
  - key: ops
    levels:
      - {notify: [user:oncall@plain.test], escalate_after: 5m}
      - {notify: [user:oncall@plain.test]}
services:
  - {key: api, name: API, escalation_policy: ops}
"""


def test_a_shared_transaction_writes_its_new_rows_together(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    """Three incidents planned in one shared transaction: their timeline events go in with one
    INSERT as it commits, their timers (level 2, the rungs) need no look-up and savepoint
    each, and on PostgreSQL (where a message's delivery job id is reserved with it) their
    escalation states go in with one statement and their jobs in the ORM's batches as it
    commits. Pages and messages go in one by one (their ids name the messages and jobs)."""
    apply(db, clock, PLAIN)
    opened = [_open(db, clock, f"API down {n}") for n in range(3)]
    inserts: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "INSERT INTO" in statement:
            inserts.append(statement.split("INSERT INTO", 1)[1].split()[0])
        elif statement.startswith("SAVEPOINT"):
            inserts.append("SAVEPOINT")

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert worker(db, clock, settings).run_once() >= 3 + 3  # the plans, the deliveries
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    planned = inserts[: inserts.index("timeline_events") + 1]  # then the deliveries' events
    assert planned.count("paging_pages") == 3, inserts
    assert inserts.count("timeline_events") == 1 + 3, inserts  # the plans', each delivery's
    # The timers of a first plan (level 2, the rungs) are new: no look-up or savepoint each.
    assert "SAVEPOINT" not in planned, inserts
    if db.dialect == "postgresql":
        assert planned.count("paging_incident_escalations") == 1, inserts
        assert planned.count("jobs") < 3 * 4, inserts  # the ORM's batches, as it commits
    with db.session() as session:
        states = session.scalars(
            select(IncidentEscalation).where(IncidentEscalation.incident_id.in_(opened))
        ).all()
        assert sorted((s.incident_id, s.state, s.level) for s in states) == [
            (i, "escalating", 0) for i in opened
        ]
        pending = session.scalars(
            select(Job.kind).where(Job.incident_id == opened[1], Job.state == "pending")
        ).all()
        assert sorted(pending) == [runtime.ESCALATE_KIND, *[runtime.UNRESOLVED_KIND] * 2]
        kinds = session.scalars(
            select(TimelineEvent.kind)
            .where(TimelineEvent.incident_id == opened[2], TimelineEvent.kind.startswith("paging:"))
            .order_by(TimelineEvent.seq)
        ).all()
        assert kinds[:3] == [
            "paging:escalation:planned",
            "paging:escalation:triggered",
            "paging:page:queued",
        ]
    assert len(sender.sent) == 3
