"""What an alert that opens an incident costs intake in statements, beyond their number
(tests/integration/paging/test_statement_budget.py counts those): each statement runs once,
none as an executemany (psycopg runs one in pipeline mode, whose entering and leaving cost
more than the statement), and the rows they write are as before."""

from __future__ import annotations

import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from warroom.clock import FakeClock
from warroom.comms.models import UpdateCadence
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.models import Job
from warroom.intake import alertmanager, gate, service
from warroom.intake.models import StormState

PACK = """\
severities:
  - {key: P0, name: Critical, internal_update_every: 30m, external_update_every: 1h}
services:
  - {key: api, name: API}
integrations:
  - {key: am, type: alertmanager, secret: "opening-secret-0123456789"}
routes:
  - {key: all, service: api, severity: P0, group_by: [alertname]}
"""


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, bool]]]:
    """(statement, whether the driver ran it as an executemany) of this thread, as they run
    (an ORM insert of several rows that SQLAlchemy sends as one statement is not one)."""
    seen: list[tuple[str, bool]] = []
    me = threading.get_ident()

    def note(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == me:
            seen.append((" ".join(statement.split()[:4]), False))

    def many(_cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == me:
            seen.append((" ".join(statement.split()[:4]), True))

    event.listen(db.engine, "before_cursor_execute", note)
    event.listen(db.engine, "do_executemany", many)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
        event.remove(db.engine, "do_executemany", many)


def alert(name: str) -> dict[str, Any]:
    labels = {"alertname": name, "severity": "critical"}
    return {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": name},
                "startsAt": "2026-01-01T00:00:00Z",
                "fingerprint": f"fp-{name}",
            }
        ],
    }


def ingest(db: Database, clock: FakeClock, name: str) -> service.IngestResult:
    app: Any = types.SimpleNamespace(state=types.SimpleNamespace(db=db, clock=clock))
    batch = alertmanager.parse(alert(name))
    return gate.unit_of_work(app, lambda s, c, cfg: service.ingest(s, c, cfg, "am", batch))


def test_an_opening_runs_each_statement_once_and_plans_both_audiences(
    db: Database, clock: FakeClock
) -> None:
    doc, problems = config_service.load_files({"pack.yaml": PACK})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    ingest(db, clock, "warm-up")

    with statements(db) as seen:
        result = ingest(db, clock, "measured")
    assert result.created == 1 and len(result.incidents) == 1
    assert [s for s, many in seen if many] == []
    assert sum(1 for s, _ in seen if s.startswith("INSERT INTO comms_cadence")) == 1

    with db.session() as session:
        rows = session.scalars(
            select(UpdateCadence).order_by(UpdateCadence.incident_id, UpdateCadence.audience)
        ).all()
        mine = [r for r in rows if r.incident_id == rows[-1].incident_id]
        assert [(r.audience, r.due_at) for r in mine] == [
            ("external", clock.now() + timedelta(hours=1)),
            ("internal", clock.now() + timedelta(minutes=30)),
        ]
        for row in mine:
            assert (row.generation, row.updates, row.late) == (1, 0, 0)
            assert (row.overdue_since, row.reminded_at, row.escalated_at) == (None, None, None)
        checks = session.scalars(
            select(Job.kind).where(Job.incident_id == mine[0].incident_id, Job.kind.like("comms.%"))
        ).all()
        assert sorted(checks) == ["comms.overdue", "comms.overdue", "comms.remind", "comms.remind"]


def test_a_single_alert_s_statements_are_not_rendered_again(db: Database, clock: FakeClock) -> None:
    """A one-alert batch (a burst of them is the sender's usual shape) runs the bump and
    look-up and the link to its incident with `= :value`, not an expanding IN, which
    SQLAlchemy renders again on each execution (~0.1 ms per statement)."""
    doc, problems = config_service.load_files({"pack.yaml": PACK})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    ingest(db, clock, "warm-up")
    rendered: list[str] = []
    me = threading.get_ident()

    def note(_c: Any, _cur: Any, statement: str, _p: Any, context: Any, _many: bool) -> None:
        compiled = getattr(context, "compiled", None)
        if threading.get_ident() == me and compiled is not None and compiled.post_compile_params:
            rendered.append(" ".join(statement.split()[:5]))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        result = ingest(db, clock, "measured")
        repeat = ingest(db, clock, "measured")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert (result.created, repeat.repeated) == (1, 1)
    mine = ("WITH bumped", "UPDATE alerts SET incident_id")
    assert [s for s in rendered if s.startswith(mine)] == []


def test_the_storm_row_is_locked_in_one_statement_once_it_exists(
    db: Database, clock: FakeClock
) -> None:
    """The storm guard (on by default) locks its integration's row for each request that may
    open an incident: with one SELECT ... FOR UPDATE once the row exists; it is created (and
    then locked) by the integration's first such request only."""
    doc, problems = config_service.load_files({"pack.yaml": PACK})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    with statements(db) as first:
        ingest(db, clock, "first")
    with statements(db) as second:
        ingest(db, clock, "second")
    storms = [[s for s, _ in seen if "intake_storms" in s] for seen in (first, second)]
    assert [s.split()[0] for s in storms[0]] == ["SELECT", "INSERT", "SELECT", "UPDATE"]
    assert [s.split()[0] for s in storms[1]] == ["SELECT", "UPDATE"]
    with db.session() as session:
        assert session.get(StormState, "am").opened_in_window == 2  # type: ignore[union-attr]
