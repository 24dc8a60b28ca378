"""Two responders change the same task or hypothesis at the same moment (PostgreSQL; the
interleaving forced at an exact statement): the second sees the first's change, so the
timeline says each change once and truly ("from" is what it was)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tests.factories import seed_catalog
from tests.integration.concurrency.world import Pause, Run, paused, wait_blocked_or_done
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service


def _payloads(db: Database, kind: str) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.scalars(
            select(TimelineEvent.payload)
            .where(TimelineEvent.kind == kind)
            .order_by(TimelineEvent.seq)
        )
        return [dict(p) for p in rows]


def _race(db: Database, table: str, first: Callable[[], Any], second: Callable[[], Any]) -> None:
    """`first` stops right after it read the row from `table`; `second` runs meanwhile."""
    runs: dict[str, threading.Thread] = {}
    pause = Pause(rf"FROM {table}\b", only=lambda: threading.current_thread() is runs.get("first"))
    with paused(db, pause):
        one = runs["first"] = Run(first)
        one.start()
        pause.wait_reached()
        two = Run(second)
        two.start()
        wait_blocked_or_done(db, two)  # it waits for the first (fixed) or finishes (before)
        pause.resume()
        one.outcome()
        two.outcome()


def test_a_task_marked_done_twice_at_once_is_done_once(pg_db: Database, clock: FakeClock) -> None:
    with pg_db.session() as session:
        seed_catalog(session)
        incident = service.open_incident(session, clock, actor="a", title="t", severity="SEV2")
        task = service.add_task(session, clock, incident, text="roll back", actor="a")
        number, task_id = incident.number, task.id

    def done_by(who: str) -> Callable[[], None]:
        def run() -> None:
            with pg_db.session() as session:
                found = service.get_incident(session, number)
                service.update_task(session, clock, found, task_id, actor=who, done=True)

        return run

    _race(pg_db, "incident_tasks", done_by("first@x.test"), done_by("second@x.test"))
    assert len(_payloads(pg_db, "incident:task:done")) == 1


def test_two_hypothesis_changes_at_once_each_say_what_it_was(
    pg_db: Database, clock: FakeClock
) -> None:
    with pg_db.session() as session:
        seed_catalog(session)
        incident = service.open_incident(session, clock, actor="a", title="t", severity="SEV2")
        item = service.add_hypothesis(session, clock, incident, text="bad deploy", actor="a")
        number, item_id = incident.number, item.id

    def set_status(status: str) -> Callable[[], None]:
        def run() -> None:
            with pg_db.session() as session:
                found = service.get_incident(session, number)
                service.update_hypothesis(session, clock, found, item_id, actor="a", status=status)

        return run

    _race(pg_db, "hypotheses", set_status("ruled_out"), set_status("confirmed"))
    changes = [p["changes"]["status"] for p in _payloads(pg_db, "incident:hypothesis:updated")]
    # Whichever went first, the second's "from" is the first's "to".
    assert len(changes) == 2 and changes[1][0] == changes[0][1], changes


def test_an_event_starred_twice_at_once_is_starred_once(pg_db: Database, clock: FakeClock) -> None:
    """Two responders star the same event at once: one `incident:event:starred` event."""
    with pg_db.session() as session:
        seed_catalog(session)
        incident = service.open_incident(session, clock, actor="a", title="t", severity="SEV2")
        service.add_note(session, clock, incident, text="the deploy at 03:02", actor="a")
        number = incident.number

    def star(who: str) -> Callable[[], None]:
        def run() -> None:
            with pg_db.session() as session:
                found = service.get_incident(session, number)
                service.star_event(session, clock, found, seq=2, starred=True, actor=who)

        return run

    _race(pg_db, "timeline_events", star("first@x.test"), star("second@x.test"))
    assert len(_payloads(pg_db, "incident:event:starred")) == 1
