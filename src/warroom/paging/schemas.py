"""API shapes of paging: schedules, shifts, on-call, overrides, escalation, pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class LayerOut(BaseModel):
    name: str
    priority: int
    participants: list[str]
    shift: str
    length: int
    start: str
    time_zone: str
    restrictions: list[dict[str, Any]] = []
    end: str | None = None


class ScheduleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str
    description: str
    time_zone: str
    team_key: str | None
    layers: list[LayerOut]


class ShiftOut(BaseModel):
    start: datetime
    end: datetime
    user: str | None
    layer: str | None = None
    override_id: int | None = None


class OnCallOut(BaseModel):
    schedule: str
    name: str
    time_zone: str
    now: ShiftOut
    next: ShiftOut | None


class OverrideIn(BaseModel):
    user: str = Field(min_length=3, max_length=320)
    start: AwareDatetime
    end: AwareDatetime
    replaces: str | None = Field(default=None, max_length=320)
    reason: str = Field(default="", max_length=2000)


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_email: str
    replaces_email: str | None
    start_at: datetime
    end_at: datetime
    reason: str
    created_by: str
    created_at: datetime


class FeedOut(BaseModel):
    url: str


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str
    description: str
    repeat: int
    levels: list[dict[str, Any]]


class EscalateIn(BaseModel):
    """Manual escalation: whom to page, and the escalation checklist (every part required)."""

    to: list[str] = Field(min_length=1, max_length=20)
    summary: str = Field(min_length=1, max_length=2000)
    actions_taken: str = Field(min_length=1, max_length=5000)
    why: str = Field(min_length=1, max_length=2000)
    need: str = Field(min_length=1, max_length=2000)


class EscalationStateOut(BaseModel):
    """An incident's escalation: the policy snapshotted when it opened and where it stands."""

    model_config = ConfigDict(from_attributes=True)

    policy_key: str | None
    policy: dict[str, Any]
    state: str
    level: int
    round: int
    generation: int
    ladder_severity: str
    ladder: list[Any]
    ladder_fired: list[Any]
    started_at: datetime
    updated_at: datetime


class PageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    reason: str
    target: str
    title: str
    created_at: datetime
