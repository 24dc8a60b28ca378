"""Local servers for the outbound-policy tests: a stand-in for a cloud metadata service that
records every request, and a host that redirects every request somewhere else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "AKIAEXAMPLE/instance-role-credentials"


@dataclass
class Host:
    port: int = 0
    # Where every request is sent on to (a 302), or None to answer `body` with a 200.
    location: str | None = None
    body: bytes = SECRET.encode()
    seen: list[str] = field(default_factory=list)


@contextmanager
def http_host(location: str | None = None, body: bytes | None = None) -> Iterator[Host]:
    """An HTTP server on 127.0.0.1 answering any method; `host.seen` lists 'METHOD path'."""
    host = Host(location=location, body=SECRET.encode() if body is None else body)

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            host.seen.append(f"{self.command} {self.path}")
            if host.location is not None:
                self.send_response(302)
                self.send_header("Location", host.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(host.body)))
            self.end_headers()
            self.wfile.write(host.body)

        do_GET = do_POST = do_PUT = answer

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
