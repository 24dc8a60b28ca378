"""Heartbeat API shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel

from warroom.heartbeats import service
from warroom.heartbeats.models import Heartbeat


class HeartbeatOut(BaseModel):
    name: str
    title: str
    severity: str
    service: str | None
    interval_s: int
    grace_s: int
    auto_resolve: bool
    state: str
    last_seen_at: datetime | None
    deadline: datetime
    down_since: datetime | None
    # The incident the last miss opened: its number (INC-N, as people name it); incident_id
    # is its internal id, kept for clients that read it.
    incident_number: int | None = None
    incident_id: int | None
    # Only shown to admins: the URL a monitor can POST to without an API token.
    ping_url: str | None = None

    @classmethod
    def of(
        cls, heartbeat: Heartbeat, numbers: Mapping[int, int], ping_url: str | None = None
    ) -> HeartbeatOut:
        """The heartbeat as shown; `numbers` maps incident ids to numbers
        (service.incident_numbers)."""
        owner = heartbeat.incident_id
        return cls(
            name=heartbeat.name,
            title=heartbeat.title,
            severity=heartbeat.severity,
            service=heartbeat.service,
            interval_s=heartbeat.interval_s,
            grace_s=heartbeat.grace_s,
            auto_resolve=heartbeat.auto_resolve,
            state=heartbeat.state,
            last_seen_at=heartbeat.last_seen_at,
            deadline=service.deadline(heartbeat),
            down_since=heartbeat.down_since,
            incident_number=None if owner is None else numbers.get(owner),
            incident_id=owner,
            ping_url=ping_url,
        )
