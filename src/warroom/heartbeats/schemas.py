"""Heartbeat API shapes."""

from __future__ import annotations

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
    incident_id: int | None
    # Only shown to admins: the URL a monitor can POST to without an API token.
    ping_url: str | None = None

    @classmethod
    def of(cls, heartbeat: Heartbeat, ping_url: str | None = None) -> HeartbeatOut:
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
            incident_id=heartbeat.incident_id,
            ping_url=ping_url,
        )
