"""The alert-to-page path in statements: how many an alert that opens an incident costs
intake, and how many its paging plan costs the engine, on both databases.

Throughput under a burst (bench/paging.py part 4) is bound by round trips to the database, so
these budgets keep a change from quietly adding statements to the hottest path. They count
what the product runs: the real intake unit of work and the real engine. A budget that is
exceeded names the statements, so the change that added one is easy to see.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, get_handler
from warroom.engine.worker import Worker
from warroom.intake import alertmanager, gate, service
from warroom.paging.models import Page
from warroom.settings import Settings

PACK = """\
severities:
  - {key: P0, name: Critical, page: true}
users:
  - email: oncall@budget.test
    name: On-call
    contact_methods: [{name: hook, url: "json://127.0.0.1:9/page"}]
schedules:
  - key: primary
    layers:
      - {name: all, participants: [oncall@budget.test], shift: weekly, start: "2025-01-06"}
escalation_policies:
  - key: ops
    levels: [{notify: [schedule:primary], escalate_after: 5m}]
services:
  - {key: api, name: API, escalation_policy: ops}
integrations:
  - {key: am, type: alertmanager, secret: "budget-secret-0123456789"}
routes:
  - {key: all, service: api, severity: P0, group_by: [alertname]}
"""

# (opening, planning) per database: what was measured when the budgets were set (the opening
# with one spare), so that a statement added to the plan fails. Before the statements were
# trimmed (remembered reads, one-statement incident locks on PostgreSQL, a transaction's further
# appends to a timeline it already holds taking the head from the session) PostgreSQL took 34
# and 35; then 28 and 25, before the plan inserted its escalation state once with what level 1
# set (no UPDATEs of it), read whether a schedule is deactivated from the row it pages by, and
# on PostgreSQL inserted each message with its delivery job's id (no UPDATE of the message).
# Then the opening took 27 and 29: a new alert's two incident lookups became one statement each.
# Then 23 and 28: the incident, its services and its number in one statement, a new timeline's
# head and first event in another (PostgreSQL), the catalog check remembered per config revision.
# Then the plan took 22 and 27, before its timeline events went in together as it commits
# (timeline.batch: one head lock, one INSERT, one head update) and its delivery job with the
# transaction's other jobs; the count now includes the plan's commit, where they are written.
# Then the opening took 21 and 26: whether any runbook is active and the severities' update
# cadences are remembered per config revision (runbooks.service, comms.cadence).
# Then 20 on PostgreSQL: an alert's repeat bump and the look-up of what it did not bump went
# in one statement (intake.dedup.bump_and_lookup).
BUDGETS = {"postgresql": (21, 20), "sqlite": (27, 21)}


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []
    me = threading.get_ident()  # the engine delivers on pool threads: not counted here

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        if threading.get_ident() != me:
            return
        if words and words[0].upper() not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"):
            seen.append(" ".join(words[:6]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def alert(name: str) -> dict[str, Any]:
    labels = {"alertname": name, "severity": "critical"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": name},
        "commonLabels": labels,
        "commonAnnotations": {"summary": name},
        "externalURL": "http://alertmanager.local",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": name},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.local/graph",
                "fingerprint": f"fp-{name}",
            }
        ],
    }


def ingest(db: Database, clock: FakeClock, name: str) -> None:
    app: Any = types.SimpleNamespace(state=types.SimpleNamespace(db=db, clock=clock))
    batch = alertmanager.parse(alert(name))
    gate.unit_of_work(app, lambda s, c, cfg: service.ingest(s, c, cfg, "am", batch))


def test_an_alert_opens_its_incident_and_is_paged_within_budget(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    doc, problems = config_service.load_files({"pack.yaml": PACK})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    worker = Worker(db, clock, settings, "budget")
    ingest(db, clock, "warm-up")  # first use: connections, caches
    while worker.run_once():
        pass

    with counting(db) as opening:
        ingest(db, clock, "measured")
    opening_budget, plan_budget = BUDGETS[db.dialect]
    assert len(opening) <= opening_budget, "\n".join(opening)

    with db.session() as session:
        job = session.scalars(
            select(Job).where(Job.kind == "paging.plan", Job.state == "pending")
        ).one()
        handler = get_handler(job.kind)
        assert handler is not None
        ctx = JobContext(session=session, clock=clock, settings=settings, worker="budget")
        with counting(db) as planning:
            handler(ctx, job)  # what the engine runs for the job (it then marks it done)
            session.commit()  # with what the transaction writes as it commits
        assert session.query(Page).count() == 2  # the warm-up's page and this one
        # No channel and no runbook: no announcement or attach job that would do nothing.
        idle = session.query(Job).filter(Job.kind.in_(("comms.announce", "runbooks.attach")))
        assert idle.count() == 0
    assert len(planning) <= plan_budget, "\n".join(planning)
