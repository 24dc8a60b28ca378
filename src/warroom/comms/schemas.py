"""Status updates in and out of the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.config.types import parse_duration

State = Literal["investigating", "identified", "monitoring", "resolved"]


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: State
    internal: str = Field(min_length=1, max_length=10_000)
    public: str | None = Field(default=None, max_length=10_000)
    # "30m", "1h": when the next update is due (default: the severity's cadence).
    next_update: str | None = Field(default=None, max_length=20)
    # A `resolved` update resolves the incident; `force` resolves it even with mitigations
    # still active (as `warroom incident resolve --force`).
    force: bool = False

    @field_validator("next_update")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    def next_update_delta(self) -> timedelta | None:
        return None if self.next_update is None else parse_duration(self.next_update)


class UpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    state: str
    internal_text: str
    public_text: str | None
    next_update_at: datetime | None
    author: str
    created_at: datetime
    on_time: bool
    # Whom the internal text reached (e-mails and `channel:KEY`); empty: nobody.
    reached: list[str]
    # Set when the internal text reached nobody (also recorded on the timeline).
    warning: str | None = None
    # Set when the public text has no reader yet: the incident is not on the status page.
    public_note: str | None = None
    # Set when the next update was asked for later than the severity's cadence.
    cadence_note: str | None = None


class CadenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    audience: str
    due_at: datetime | None
    overdue_since: datetime | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    updates: int
    late: int


class UpdatesOut(BaseModel):
    updates: list[UpdateOut]
    cadence: list[CadenceOut]
    # Whether every update so far came before it was due (false once one was overdue).
    on_time: bool
