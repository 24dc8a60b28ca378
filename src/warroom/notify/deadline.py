"""A deadline for one outbound call: when it passes, the call's connections are shut down.

httpx's and requests' timeouts bound each read, not the answer: a host that trickles its
answer a byte at a time, each within the read timeout, would hold the sending thread for as
long as it likes. `Deadline(seconds)` starts a timer; the sockets handed to it (`watch` for an
httpcore stream, `watch_socket`, or every socket urllib3 opens on this thread inside
`sockets_watched_by(deadline)`, which is how Apprise's HTTP services are watched) are shut down
when it fires, so the blocked read ends at once; `expired` then says why the call failed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from warroom import outbound


class Deadline:
    """Shuts the connections of one outbound call down once `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        # Whether the deadline shut a connection down (a call with nothing watched, such as
        # e-mail through smtplib, is never cut off by it).
        self.cut_off = False
        self._sockets: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's trace hook: a new connection's stream is watched from its first byte."""
        if event == "connection.connect_tcp.complete":
            self.watch(info.get("return_value"))

    def watch(self, stream: Any) -> None:
        """Watch an httpcore network stream's socket."""
        self.watch_socket(stream.get_extra_info("socket") if stream is not None else None)

    def watch_socket(self, sock: Any) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
            self.cut_off = self.cut_off or expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
            self.cut_off = bool(sockets)
        for sock in sockets:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: Any) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def sockets_watched_by(deadline: Deadline) -> Iterator[None]:
    """Inside: every socket urllib3 opens on this thread is watched by `deadline` (through
    warroom.outbound's one wrapper of urllib3's connections); other threads are unaffected."""
    with outbound.sockets_handed_to(deadline.watch_socket):
        yield
