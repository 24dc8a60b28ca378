"""The real HTTP runner against a local server: `timeout` bounds the whole request, and an
answer is read only up to the output limit.

A server that trickles its answer one byte at a time reset httpx's per-read timeout on every
byte, so an action with `timeout: 1s` held its worker for as long as the server liked; an
answer of many megabytes was read whole into memory to keep its first `output_limit` bytes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from warroom.actions.runner import HttpxRunner

TRICKLE_BYTES = 12
HUGE = 48 * 1048576
CHUNK = 65536


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sent = 0


class _Answer(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.send_response(200)
        size = TRICKLE_BYTES if self.path == "/trickle" else HUGE
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            if self.path == "/trickle":
                for _ in range(TRICKLE_BYTES):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.25)  # the slow server under test, not a wait for time logic
                    self.server.sent += 1
            else:
                for _ in range(HUGE // CHUNK):
                    self.wfile.write(b"y" * CHUNK)
                    self.server.sent += CHUNK
        except OSError:
            return  # the runner hung up

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[tuple[str, _Server]]:
    srv = _Server(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", srv
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_trickling_answer_times_out_at_the_action_timeout(server: tuple[str, _Server]) -> None:
    url, srv = server
    outcome = HttpxRunner().send({"method": "POST", "url": f"{url}/trickle"}, 0.6, 1024)
    assert outcome.timed_out is True
    assert outcome.ok is False
    assert outcome.error == "timed out after 0.6s"
    assert srv.sent < TRICKLE_BYTES


def test_a_huge_answer_is_read_only_up_to_the_limit(server: tuple[str, _Server]) -> None:
    url, srv = server
    outcome = HttpxRunner().send({"method": "POST", "url": f"{url}/huge"}, 30.0, 1024)
    assert outcome.ok is True
    assert outcome.stdout == b"y" * 1024
    assert outcome.truncated is True
    assert srv.sent < HUGE  # the runner hung up instead of reading 48 MB it would not keep
