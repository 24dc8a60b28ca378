"""Bounded concurrency per destination: a slow or dead host holds a few threads, no more.

A destination is the host (and port) a message goes to: the webhook's host, or the SMTP
server for e-mail. `DestinationSlots.take(url)` gives a slot when fewer than `limit` sends to
that host are under way in this process; otherwise delivery postpones the job (it goes back to
the queue, its attempt not counted) instead of holding a pool thread waiting for the host.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from warroom.notify.senders import is_plain_webhook, scheme_of

DEFAULT_LIMIT = 4
# A send that takes longer than this (seconds) is no sign that the destination is working.
QUICK_S = 2.0


def destination_of(url: str) -> str:
    """The host[:port] a URL sends to ('scheme:' plus the host for Apprise services)."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        netloc = ""
    host = netloc.rsplit("@", 1)[-1].lower()
    if is_plain_webhook(url):
        return host
    return f"{scheme_of(url)}:{host}"


def destination_lane(url: str) -> str:
    """The engine lane of deliveries to this URL's destination (see warroom.engine.lanes)."""
    return f"notify:{destination_of(url)}"[:200]


class DestinationSlots:
    """Counts sends under way per destination; at most `limit` at once for each."""

    def __init__(self, limit: int | None = None) -> None:
        env = os.environ.get("WARROOM_NOTIFY_PER_DESTINATION")
        self.limit = max(1, limit if limit is not None else int(env or DEFAULT_LIMIT))
        self._lock = threading.Condition()
        self._busy: dict[str, int] = {}
        # When each destination last made progress (monotonic seconds): a send that finished
        # within QUICK_S, or the start of a busy spell. A send that only ended by timing out
        # is no progress, so a hanging host counts as stuck ever longer (see `stalled_for`).
        self._progress: dict[str, float] = {}
        # Destinations whose last send ended slowly: a new busy spell is no progress either.
        self._slow: set[str] = set()

    @contextmanager
    def take(self, url: str, wait: float = 0.0) -> Iterator[bool]:
        """Yields True with a slot held for the block, False (and no slot) when all stay busy
        for `wait` seconds (a fast host frees a slot within moments; a hanging one does not)."""
        key = destination_of(url)
        with self._lock:
            got = self._lock.wait_for(lambda: self._busy.get(key, 0) < self.limit, wait)
            if got:
                if not self._busy.get(key) and key not in self._slow:
                    self._progress[key] = time.monotonic()
                self._busy[key] = self._busy.get(key, 0) + 1
        began = time.monotonic()
        try:
            yield got
        finally:
            if got:
                with self._lock:
                    if time.monotonic() - began < QUICK_S:
                        self._progress[key] = time.monotonic()
                        self._slow.discard(key)
                    else:
                        self._slow.add(key)
                    left = self._busy[key] - 1
                    if left:
                        self._busy[key] = left
                    else:
                        del self._busy[key]
                    self._lock.notify_all()

    def stalled_for(self, url: str) -> float:
        """Seconds since the destination last made progress, while all its slots are busy
        (0 when a slot is free): a hanging host's messages wait longer before trying again,
        and sends that end by timing out do not reset the count."""
        key = destination_of(url)
        with self._lock:
            if self._busy.get(key, 0) < self.limit:
                return 0.0
            return max(0.0, time.monotonic() - self._progress.get(key, time.monotonic()))

    def busy(self, url: str) -> int:
        with self._lock:
            return self._busy.get(destination_of(url), 0)


SLOTS = DestinationSlots()
