"""A per-client limit on the public subscribe form (it stores a row and sends a mail).

Counted in the process (a sliding window per client address): the form is a trickle for real
readers, so a restart forgetting the counts is harmless. Times come from the injected clock.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

# At most this many subscribe posts per client address within the window.
SUBSCRIBE_LIMIT = 5
SUBSCRIBE_WINDOW = timedelta(minutes=10)
# Clients remembered at most (oldest forgotten first): bounded memory under a flood.
MAX_CLIENTS = 10_000


class ClientLimiter:
    """Sliding-window counts of posts per client."""

    def __init__(self, limit: int = SUBSCRIBE_LIMIT, window: timedelta = SUBSCRIBE_WINDOW):
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, now: datetime) -> int | None:
        """Count a post of `client`; None if allowed, else the seconds until one is allowed."""
        with self._lock:
            stamps = self._seen.pop(client, deque())
            while stamps and stamps[0] <= now - self.window:
                stamps.popleft()
            self._seen[client] = stamps  # most recent client last
            if len(self._seen) > MAX_CLIENTS:
                self._seen.pop(next(iter(self._seen)))
            if len(stamps) >= self.limit:
                wait = (stamps[0] + self.window - now).total_seconds()
                return max(1, math.ceil(wait))
            stamps.append(now)
            return None
