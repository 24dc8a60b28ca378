"""Incident numbers under concurrent openers on PostgreSQL, with the interleaving forced by a
barrier: both openers hold an uncommitted incident at the same moment, so neither can have
waited for the other (a wait would break the barrier instead of passing it)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import select

from tests.factories import seed_catalog
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service
from warroom.incidents.models import Incident

WAIT = 20.0  # never reached when the openers do not wait for each other


def _together(steps: list[Callable[[threading.Barrier], None]]) -> list[BaseException]:
    barrier = threading.Barrier(len(steps), timeout=WAIT)
    errors: list[BaseException] = []

    def run(step: Callable[[threading.Barrier], None]) -> None:
        try:
            step(barrier)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(s,)) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 2)
    return errors


def _numbers(db: Database) -> list[int]:
    with db.session() as session:
        return sorted(session.scalars(select(Incident.number)))


def test_openers_holding_uncommitted_incidents_at_once_get_distinct_numbers(
    pg_db: Database, clock: FakeClock
) -> None:
    with pg_db.session() as session:
        seed_catalog(session)

    def opener(commit: bool) -> Callable[[threading.Barrier], None]:
        def step(barrier: threading.Barrier) -> None:
            with pg_db.sessions() as session:
                service.open_incident(session, clock, actor="a", title="t", severity="SEV3")
                session.flush()
                barrier.wait()  # every opener has its number, none committed yet
                if commit:
                    session.commit()
                else:
                    session.rollback()

        return step

    assert _together([opener(True), opener(False), opener(True)]) == []
    numbers = _numbers(pg_db)
    assert len(numbers) == 2 and len(set(numbers)) == 2
    # The rolled-back open left a gap; the next number is past all three.
    with pg_db.session() as session:
        later = service.open_incident(session, clock, actor="a", title="t", severity="SEV3")
    assert later.number == 4


def test_opening_does_not_wait_for_a_transaction_holding_another_incident(
    pg_db: Database, clock: FakeClock
) -> None:
    """A responder's transition holds incident 1's row lock; a new incident opens meanwhile."""
    with pg_db.session() as session:
        seed_catalog(session)
        service.open_incident(session, clock, actor="a", title="first", severity="SEV3")

    def hold(barrier: threading.Barrier) -> None:
        with pg_db.sessions() as session:
            first = service.get_incident(session, 1)
            service.acknowledge(session, clock, first, actor="a")  # takes the row lock
            barrier.wait()  # held while the other opens
            barrier.wait()
            session.commit()

    def open_one(barrier: threading.Barrier) -> None:
        barrier.wait()
        with pg_db.sessions() as session:
            service.open_incident(session, clock, actor="b", title="second", severity="SEV3")
            session.commit()
        barrier.wait()

    assert _together([hold, open_one]) == []
    assert _numbers(pg_db) == [1, 2]
