"""Process counters in the Prometheus format, incremented by the domains that count.

A leaf module (it imports only prometheus_client), so any domain may count here without
depending on the `/metrics` endpoint, which lives in `warroom.scrape` and reads the database.
Intake does `ALERTS_RECEIVED.labels(integration="alertmanager", status="created").inc()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter

from warroom import threadlocal

_thread = threading.local()


class ProcessCounter(Counter):
    """A counter of real work: what a simulation plays on this thread (`uncounted`) is not
    counted, while other threads (the real engine in the same process) count as ever."""

    def inc(self, amount: float = 1, exemplar: dict[str, str] | None = None) -> None:
        if not getattr(_thread, "uncounted", False):
            super().inc(amount, exemplar)


@contextmanager
def uncounted() -> Iterator[None]:
    """While inside, this thread moves no counter of this module (a simulation's playback)."""
    with threadlocal.held(_thread, "uncounted", True, default=False):
        yield


ALERTS_RECEIVED = ProcessCounter(
    "warroom_alerts_received",
    "Alerts received by intake, by integration and outcome (accepted, duplicate, rejected...)",
    ["integration", "status"],
)
NOTIFICATION_ATTEMPTS = ProcessCounter(
    "warroom_notification_attempts",
    "Delivery attempts made by this process's workers, by URL scheme and result",
    ["scheme", "result"],
)
NOTIFICATION_FAILURES = ProcessCounter(
    "warroom_notification_failures",
    "Failed delivery attempts made by this process's workers, by channel (email, webhook, ...)",
    ["channel"],
)
INCIDENTS_UNPAGED = ProcessCounter(
    "warroom_incidents_unpaged",
    "Incidents of a paging severity that paged nobody (no escalation policy, nobody on call)",
    ["reason"],
)
