"""A warroom that takes longer than the CLI waits: the CLI said 'cannot reach warroom ...:
timed out', though the request had reached it and may have been carried out (an incident
opened, a page sent), so a responder tried again and did it twice."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from warroom.cli.client import ApiClient, ApiError


class _Slow(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        time.sleep(1.5)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, *args: object) -> None:
        pass  # the client left before the answer (that is the point): nothing to print


@pytest.fixture
def slow() -> Iterator[ApiClient]:
    server = _Server(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with httpx.Client(base_url=url, timeout=0.5) as session:
        yield ApiClient(session)
    server.shutdown()
    server.server_close()


def test_a_request_that_got_no_answer_in_time_may_have_been_done(slow: ApiClient) -> None:
    url = slow.http.base_url
    with pytest.raises(ApiError) as opened:
        slow.post("/api/v1/incidents", json={"title": "db down", "severity": "SEV1"})
    assert opened.value.message == (
        f"warroom at {url} did not answer within 0.5s; the request may have been carried out "
        "all the same: look (e.g. `warroom incident list`) before trying again"
    )
    with pytest.raises(ApiError) as listed:
        slow.get("/api/v1/incidents")
    assert listed.value.message == f"warroom at {url} did not answer within 0.5s"


def test_a_server_that_is_not_there_is_not_reached() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=0.5) as session, pytest.raises(ApiError) as refused:
        ApiClient(session).get("/api/v1/incidents")
    assert refused.value.message.startswith(f"cannot reach warroom at http://127.0.0.1:{port}")
