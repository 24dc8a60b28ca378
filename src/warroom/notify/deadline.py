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
import heapq
import itertools
import socket
import threading
import time
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
        self._entry = _WATCH.add(time.monotonic() + seconds, self)

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
        _WATCH.cancel(self._entry)


class _Watch:
    """One thread for every deadline of the process (a timer thread started and stopped per
    call cost more than the rest of sending a webhook): a heap of (moment, deadline), the
    earliest first; a cancelled deadline is dropped from it and never expires."""

    def __init__(self) -> None:
        self._heap: list[list[Any]] = []
        self._count = itertools.count()
        self._changed = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def add(self, at: float, deadline: Deadline) -> list[Any]:
        entry = [at, next(self._count), deadline]
        with self._changed:
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="warroom-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0] is entry:  # earlier than what the thread waits for
                self._changed.notify()
        return entry

    def cancel(self, entry: list[Any]) -> None:
        with self._changed:
            entry[2] = None  # left in the heap, skipped when its moment comes

    def _run(self) -> None:
        while True:
            due: list[Deadline] = []
            with self._changed:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._changed.wait(60.0)
                    if not self._heap:
                        self._thread = None
                        return
                    continue
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    entry = heapq.heappop(self._heap)
                    if entry[2] is not None:
                        due.append(entry[2])
                        entry[2] = None
                if not due:
                    self._changed.wait(self._heap[0][0] - now)
                    continue
            for deadline in due:
                deadline._expire()


_WATCH = _Watch()


def _shut(sock: Any) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def sockets_watched_by(deadline: Deadline) -> Iterator[None]:
    """Inside: every socket urllib3 opens on this thread is watched by `deadline` (through
    warroom.outbound's one wrapper of urllib3's connections); other threads are unaffected."""
    with outbound.sockets_handed_to(deadline.watch_socket):
        yield
