"""An incident's declaration and its raised-severity announcement run at the same time on two
workers (PostgreSQL, forced with a pause right after the first one queued its messages): the
second waits on the incident row, then finds the rooms the first told and tells only the new
severity's room. Never the team's room twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.integration.comms.org import apply, org
from tests.integration.concurrency.world import Pause, Run, paused, wait_blocked_or_done
from warroom.clock import FakeClock
from warroom.comms import announce
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify.models import Message
from warroom.settings import Settings

QUEUED = r"INSERT INTO notify_messages"
HOOK = "127.0.0.1:9"  # nothing is delivered: the messages queued are what is checked


def _claim(db: Database, clock: FakeClock, worker: str) -> Job:
    with db.session() as session:
        [job] = engine.claim(
            session, clock, worker, limit=1, lease=timedelta(minutes=5),
            kinds=frozenset({announce.KIND}),
        )  # fmt: skip
        return job


def _rooms(db: Database) -> list[str]:
    with db.session() as session:
        urls = session.scalars(select(Message.url).where(Message.purpose.like("comms:%")))
        return sorted(url.rsplit("/", 1)[-1] for url in urls)


def test_a_declaration_and_a_raise_at_once_tell_each_room_once(
    pg_db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    settings = Settings(database_url=pg_db.url, data_dir=tmp_path)
    apply(pg_db, clock, org(HOOK))
    with pg_db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="test", title="Checkout down", severity="P2", services=["api"]
        )
    with pg_db.session() as session:
        incident = incidents.get_incident(session, incident.number)
        incidents.change_severity(
            session, clock, incident, severity="P0", reason="checkout is down", actor="test"
        )
    one, two = Worker(pg_db, clock, settings, "w1"), Worker(pg_db, clock, settings, "w2")
    declared, raised = _claim(pg_db, clock, "w1"), _claim(pg_db, clock, "w2")
    assert (declared.payload["template"], raised.payload["template"]) == ("initial", "raised")

    started: list[bool] = []
    pause = Pause(QUEUED, only=lambda: not started)
    with paused(pg_db, pause):
        first = Run(lambda: one.run_job(declared))
        first.start()
        pause.wait_reached()  # the team's room is queued, not committed
        started.append(True)
        second = Run(lambda: two.run_job(raised))
        second.start()
        blocked = wait_blocked_or_done(pg_db, second)
        pause.resume()
        first.outcome()
        second.outcome()

    assert _rooms(pg_db) == ["core-room", "p0-room"]
    assert blocked, "the raise must wait for the declaration"
