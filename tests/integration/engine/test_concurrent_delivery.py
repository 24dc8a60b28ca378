"""Delivery is concurrent and isolated: a hanging destination delays nobody else.

Real local HTTP receivers; one never answers until the test ends. The worker runs for real
(`run_forever` on its thread, deliveries on its pool); the test waits on arrivals (events),
never on timing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.notify import senders, service
from warroom.notify.destinations import SLOTS
from warroom.notify.models import SENDING, SENT, Message
from warroom.settings import Settings


class Hanging:
    """An HTTP receiver that takes each request and answers only when released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = 0
        self.lock = threading.Condition()
        hanging = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                with hanging.lock:
                    hanging.entered += 1
                    hanging.lock.notify_all()
                hanging.release.wait(60)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_entered(self, n: int, timeout: float = 20) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: self.entered >= n, timeout)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    senders.set_sender(None)
    receiver = Hanging()
    yield receiver
    receiver.close()


@pytest.fixture
def good() -> Iterator[HttpReceiver]:
    with http_receiver() as receiver:
        yield receiver


@pytest.fixture
def running(db: Database, clock: FakeClock, settings: Settings) -> Iterator[Worker]:
    worker = Worker(db, clock, settings, "w1", options=EngineOptions(poll_seconds=0.2))
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    yield worker
    worker.stop()


def queue(db: Database, clock: FakeClock, url: str, key: str) -> int:
    with db.session() as session:
        return service.queue_message(
            session, clock, url=url, title="[SEV1] INC-1", body="Ack: http://127.0.0.1/l/x",
            incident_id=None, user_id=None, idempotency_key=key, purpose="page",
        ).id  # fmt: skip


def arrived(receiver: HttpReceiver, count: int, timeout: float = 20) -> bool:
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if len(receiver.keys()) >= count:
                done.set()
            done.wait(0.02)

    threading.Thread(target=watch, daemon=True).start()
    return done.wait(timeout)


def states(db: Database, ids: list[int]) -> list[str]:
    with db.session() as session:
        return [session.get(Message, i).state for i in ids]  # type: ignore[union-attr]


def all_sent(db: Database, ids: list[int], timeout: float = 20) -> bool:
    """Waits (on an event, polling the database) until every message is recorded as sent."""
    tick = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if states(db, ids) == [SENT] * len(ids):
            return True
        tick.wait(0.05)
    return False


def test_a_hanging_destination_delays_no_other_page(
    db: Database, clock: FakeClock, hanging: Hanging, good: HttpReceiver, running: Worker
) -> None:
    stuck = queue(db, clock, hanging.url, "page:hang")
    assert hanging.wait_entered(1)  # its send is under way and will not return
    others = [queue(db, clock, f"http://{good.url}/p{n}", f"page:{n}") for n in range(6)]
    assert arrived(good, 6), good.keys()
    assert sorted(good.keys()) == sorted(f"page:{n}" for n in range(6))
    assert all_sent(db, others)
    assert states(db, [stuck]) == [SENDING]
    hanging.release.set()


def test_sends_to_one_destination_are_bounded(
    db: Database, clock: FakeClock, hanging: Hanging, good: HttpReceiver, running: Worker
) -> None:
    limit = SLOTS.limit
    stuck = [queue(db, clock, hanging.url, f"page:hang:{n}") for n in range(limit + 6)]
    assert hanging.wait_entered(limit)
    others = [queue(db, clock, f"http://{good.url}/p{n}", f"page:{n}") for n in range(4)]
    assert arrived(good, 4)
    assert hanging.entered == limit  # the rest wait their turn, holding no thread
    assert all_sent(db, others)
    assert states(db, stuck).count(SENDING) == limit
    hanging.release.set()
