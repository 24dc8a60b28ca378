"""What a simulation is asked to play (`Scenario`) and what it saw (`SimulationResult`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field


class Scenario(BaseModel):
    """One incident to play: how it opens, what the responders do and when, for how long."""

    severity: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    integration: str | None = None
    service: str | None = None
    title: str = "Simulated incident"
    start: datetime
    ack_after: timedelta | None = None
    mitigate_after: timedelta | None = None
    resolve_after: timedelta | None = None
    ack_by: str | None = None
    hours: float = 6.0


class PageRow(BaseModel):
    """One line of the playback: a notification sent, nobody to page, or a responder's action."""

    kind: str  # "page", "nobody", "action", "unpaged"
    minute: float
    at: datetime  # in the scenario's time zone
    who: str
    contact: str = ""
    step: str = ""  # "level 2", "level 1 (repeat 1)", "unresolved 30m", "ack", ...
    why: str = ""


class DueRow(BaseModel):
    """A response target of the incident's severity and whether the playback met it."""

    target: str  # acknowledge, respond, resolve
    due_at: datetime | None
    done_at: datetime | None
    outcome: str  # met, missed, pending (not due within the window), none (no target)


class SimulationResult(BaseModel):
    """Everything a simulation saw, in order."""

    incident: str
    severity: str
    services: list[str]
    policy: str | None
    route: str | None = None
    start: datetime
    end: datetime
    time_zone: str
    status: str
    rows: list[PageRow]
    due: list[DueRow]
    warnings: list[str] = Field(default_factory=list)
