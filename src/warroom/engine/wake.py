"""Waking workers the moment work is committed.

In-process: `request_wake(session)` marks the session; when that session's transaction commits,
every subscribed `threading.Event` is set. Across processes on PostgreSQL the transaction also
runs `NOTIFY warroom_jobs` (once, as it commits), which PostgreSQL delivers on commit (and
drops on rollback); workers LISTEN on that channel (see `PgListener`). Polling stays as the
safety net for a lost notification.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger("warroom.engine")

CHANNEL = "warroom_jobs"
_WAKE = "warroom.engine.wake"
_NOTIFIED = "warroom.engine.notified"

_lock = threading.Lock()
_events: set[threading.Event] = set()


def subscribe() -> threading.Event:
    """A new event that is set after every commit that enqueued work in this process."""
    ev = threading.Event()
    with _lock:
        _events.add(ev)
    return ev


def unsubscribe(ev: threading.Event) -> None:
    with _lock:
        _events.discard(ev)


def fire() -> None:
    """Wake every worker of this process."""
    with _lock:
        events = list(_events)
    for ev in events:
        ev.set()


def request_wake(session: Session) -> None:
    """Wake workers when the session's current transaction commits."""
    session.info[_WAKE] = True
    if session.info.get(_COMMITTING) and not session.info.get(_NOTIFIED):
        _notify(session)  # queued while the transaction commits: after `_notify_at_commit`


# The NOTIFY is sent as the transaction commits, not by `request_wake`: sent at once it was a
# round trip of its own through the ORM (whose autoflush wrote the pending job rows then,
# apart from the transaction's other new rows), and one per transaction is all it takes.
# A savepoint rolled back after queueing work leaves the wake requested: the commit then sends
# a NOTIFY that finds nothing new, as the in-process wake-up does (a worker looks, no more).
_COMMITTING = "warroom.engine.committing"
_NOTIFY = "SELECT pg_notify('" + CHANNEL + "', '')"


def _notify(session: Session) -> None:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_NOTIFY)
    session.info[_NOTIFIED] = True


@event.listens_for(Session, "before_commit")
def _notify_at_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info[_COMMITTING] = True
    if session.info.get(_WAKE) and not session.info.get(_NOTIFIED):
        _notify(session)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_NOTIFIED, None)
    session.info.pop(_COMMITTING, None)
    if session.info.pop(_WAKE, False):
        fire()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_NOTIFIED, None)
        session.info.pop(_COMMITTING, None)
        session.info.pop(_WAKE, None)


def libpq_url(sqlalchemy_url: str) -> str:
    """A plain postgresql:// URL (with password) for psycopg.connect."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PgListener(threading.Thread):
    """LISTENs on warroom_jobs and calls on_notify for each notification; reconnects."""

    def __init__(self, url: str, on_notify: Callable[[], None], stop: threading.Event) -> None:
        super().__init__(name="warroom-listen", daemon=True)
        self.url = libpq_url(url)
        self.on_notify = on_notify
        self.stop = stop
        self.connected = threading.Event()

    def run(self) -> None:
        import psycopg

        while not self.stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    log.info("listening on %s", CHANNEL)
                    # Anything committed while we were not listening is picked up now.
                    self.on_notify()
                    while not self.stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.on_notify()
            except Exception as exc:  # keep listening through restarts of the database
                self.connected.clear()
                log.warning("LISTEN %s lost (%s); retrying in 1 s", CHANNEL, exc)
                self.stop.wait(1.0)
