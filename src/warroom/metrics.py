"""Process counters in the Prometheus format, incremented by the domains that count.

A leaf module (it imports only prometheus_client), so any domain may count here without
depending on the `/metrics` endpoint, which lives in `warroom.scrape` and reads the database.
Intake does `ALERTS_RECEIVED.labels(integration="alertmanager", status="created").inc()`.
"""

from __future__ import annotations

from prometheus_client import Counter

ALERTS_RECEIVED = Counter(
    "warroom_alerts_received",
    "Alerts received by intake, by integration and outcome (accepted, duplicate, rejected...)",
    ["integration", "status"],
)
NOTIFICATION_ATTEMPTS = Counter(
    "warroom_notification_attempts",
    "Delivery attempts made by this process's workers, by URL scheme and result",
    ["scheme", "result"],
)
NOTIFICATION_FAILURES = Counter(
    "warroom_notification_failures",
    "Failed delivery attempts made by this process's workers, by channel (email, webhook, ...)",
    ["channel"],
)
INCIDENTS_UNPAGED = Counter(
    "warroom_incidents_unpaged",
    "Incidents of a paging severity that paged nobody (no escalation policy, nobody on call)",
    ["reason"],
)
