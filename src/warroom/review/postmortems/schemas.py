"""API shapes of postmortems."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PostmortemState = Literal["draft", "in_review", "published"]


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reviewer: str
    approved_at: datetime
    note: str
    withdrawn_at: datetime | None


class PostmortemSummary(BaseModel):
    number: int = Field(description="The incident's number")
    ref: str
    title: str
    severity: str
    drill: bool
    state: PostmortemState
    author: str | None
    due_at: datetime | None
    overdue: bool = Field(description="Not published and past its due time")
    overdue_since: datetime | None = Field(description="When the engine flagged it overdue")
    paused: bool = Field(
        default=False,
        description="Not published and its incident is open again: not owed (no due time, "
        "reminders or overdue) until resolved again, then due from that resolution (false once "
        "a person gives it a due time meanwhile)",
    )
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: str | None
    submitted_at: datetime | None
    published_at: datetime | None
    published_by: str | None


class PostmortemOut(PostmortemSummary):
    generated: bool = Field(
        description="True while nobody saved a version: the Markdown is the draft generated "
        "from the incident as it is now"
    )
    markdown: str
    sections: list[str] = Field(description="The Markdown's level-2 headings, in order")
    reviews: list[ReviewOut] = Field(description="Approvals, withdrawn ones included")
    approvals_needed: int


class PostmortemList(BaseModel):
    postmortems: list[PostmortemSummary]
    overdue: int = Field(
        description="How many postmortems of real incidents (drills apart) the caller may see are"
        " overdue"
    )


class PostmortemSave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markdown: str = Field(min_length=1, max_length=200_000)
    version: int = Field(ge=1, description="The version the edit started from")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=5000)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=5000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    author: str | None = Field(default=None, min_length=3, max_length=320)
    due_at: datetime | None = Field(default=None, description="UTC when it names no zone")

    @field_validator("due_at")
    @classmethod
    def _sane(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError:
            raise ValueError("must be a time between the years 2000 and 2999") from None
        if not 2000 <= value.year <= 2999:
            raise ValueError("must be a time between the years 2000 and 2999")
        return value


class CreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_within_hours: float | None = Field(
        default=None, gt=0, le=24 * 365, description="Default: the severity's due_within"
    )
