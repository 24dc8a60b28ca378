"""Each Apprise delivery's provider answer is its own: two sends at once (a slow provider and
a refused one) do not read each other's log lines, and the answer keeps the provider's words."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.integration.notify.receivers import free_port
from warroom.notify.senders import AppriseSender, Outgoing, SendResult


@contextmanager
def held_receiver(arrived: threading.Event, release: threading.Event) -> Iterator[int]:
    """A webhook that answers 200 only once `release` is set; its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            arrived.set()
            release.wait(10)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def _outgoing(url: str) -> Outgoing:
    return Outgoing(
        url=url, title="INC-1 checkout down", body="Acknowledge: …", idempotency_key="k"
    )


def test_two_sends_at_once_keep_their_own_answers() -> None:
    arrived, release = threading.Event(), threading.Event()
    sender = AppriseSender()
    results: dict[str, SendResult] = {}
    with held_receiver(arrived, release) as port:
        slow = threading.Thread(
            target=lambda: results.update(slow=sender.send(_outgoing(f"json://127.0.0.1:{port}/")))
        )
        slow.start()
        assert arrived.wait(10)  # the slow send is inside Apprise now
        refused = f"json://127.0.0.1:{free_port()}/?retry=0"  # nobody listens there
        results["refused"] = sender.send(_outgoing(refused))
        release.set()
        slow.join(10)
    assert not results["refused"].ok
    assert "Connection error" in results["refused"].answer
    assert "Sent JSON POST notification" not in results["refused"].answer
    assert results["slow"].ok
    assert "Sent JSON POST notification" in results["slow"].answer  # its own words, kept
    assert "Connection error" not in results["slow"].answer, results["slow"].answer
