"""A page's delivery in statements: the worker's part of alert-to-page under a burst is bound
by round trips to the database, so this budget keeps a change from quietly adding one to
every delivery. It counts the real job, sent to a real local receiver, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from tests.factories import make_incident, seed_catalog
from tests.integration.notify.receivers import http_receiver
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.worker import Worker
from warroom.notify import senders, service
from warroom.notify.models import SENT, Message
from warroom.notify.service import DELIVER_KIND
from warroom.settings import Settings

# Statements of one delivery (its job already claimed): the message marked sending and read
# back (one statement; a SELECT ... FOR UPDATE and an UPDATE before), then, once sent, the
# timeline (head and event), the message sent with its answer and recorded (one statement; the
# answer and the recorded flag were two, in two transactions), the job done. Transaction
# control is not counted here; the commits are: one before the send, one after (were three:
# the sent message was committed alone before its timeline event).
BUDGET = {"postgresql": 5, "sqlite": 6}
COMMITS = 2


@pytest.fixture(autouse=True)
def real_sender() -> None:
    senders.set_sender(None)


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []
    me = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        if threading.get_ident() == me and words[0].upper() not in ("BEGIN", "COMMIT"):
            seen.append(" ".join(words[:6]))

    def commit(_conn: Any) -> None:
        if threading.get_ident() == me:
            seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", count)
    event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        event.remove(db.engine, "commit", commit)


def test_a_delivery_takes_its_budget_of_statements(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    with http_receiver() as receiver, db.session() as session:
        seed_catalog(session)
        incident = make_incident(session, clock)
        message = service.queue_message(
            session, clock, url=f"http://{receiver.url}/page", title="t", body="b",
            incident_id=incident.id, user_id=None, idempotency_key="page:1:0", purpose="page",
        )  # fmt: skip
        session.commit()
        (job,) = engine.claim(
            session, clock, "budget", limit=1, lease=timedelta(minutes=1), kinds=[DELIVER_KIND]
        )
        session.commit()
        worker = Worker(db, clock, settings, "budget")
        with counting(db) as seen:
            worker.run_job(job)
        assert receiver.keys() == ["page:1:0"]
    with db.session() as session:
        sent = session.get(Message, message.id)
        assert sent is not None and (sent.state, sent.attempts, sent.recorded) == (SENT, 1, True)
        kinds = [e.kind for e in timeline.last_events(session, incident_id=incident.id)]
        assert kinds[-1] == "paging:notification:sent"
    statements = [s for s in seen if s != "COMMIT"]
    assert len(statements) <= BUDGET[db.dialect], "\n".join(seen)
    assert seen.count("COMMIT") <= COMMITS, "\n".join(seen)
