"""API shapes for incidents, roles, hypotheses and tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from warroom.notify.schemas import PageDelivery

RoleName = Literal[
    "incident_commander",
    "scribe",
    "communications_lead",
    "operations_lead",
    "on_call_engineer",
    "subject_matter_expert",
]
HypothesisStatus = Literal["investigating", "ruled_out", "confirmed", "unlikely"]


class Impact(BaseModel):
    """Who and what is hurt; every field may stay unknown while triaging."""

    model_config = ConfigDict(extra="forbid")

    customer_facing: bool | None = None
    data_loss: Literal["yes", "no", "unknown"] = "unknown"
    scope: str = Field(default="", max_length=2000)
    affected: list[str] = Field(default_factory=list, description="Affected users or markets")


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    severity: str = Field(min_length=1, max_length=32)
    services: list[str] = Field(default_factory=list)
    summary: str = Field(default="", max_length=20000)
    impact: Impact | None = None
    drill: bool = False
    private: bool = False
    tags: list[str] = Field(default_factory=list)
    dedup_group: str | None = Field(default=None, max_length=200)
    source: str = Field(default="api", max_length=64, pattern=r"^[a-z0-9_.:-]+$")


class IncidentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=20000)
    impact: Impact | None = None
    tags: list[str] | None = None


class TransitionIn(BaseModel):
    note: str = Field(default="", max_length=10000)
    # Resolve only: resolve even though mitigations (action runs) are still active.
    force: bool = False


class SeverityChange(BaseModel):
    severity: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=2000)


class RoleAssign(BaseModel):
    role: RoleName
    user_email: str = Field(min_length=3, max_length=320)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=10000)


class HypothesisIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    owner: str | None = Field(default=None, max_length=320)
    status: HypothesisStatus = "investigating"


class HypothesisPatch(BaseModel):
    status: HypothesisStatus | None = None
    text: str | None = Field(default=None, min_length=1, max_length=5000)
    owner: str | None = Field(default=None, max_length=320)


class TaskIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    assignee: str | None = Field(default=None, max_length=320)


class TaskPatch(BaseModel):
    done: bool | None = None
    assignee: str | None = Field(default=None, max_length=320)


class StarIn(BaseModel):
    starred: bool = True


class DueTimes(BaseModel):
    acknowledge_by: datetime | None
    acknowledge_overdue: bool
    respond_by: datetime | None = Field(
        description="When someone must have started working it (respond_within): met by "
        "`responded_at`, the first note, status update, mitigation or resolution"
    )
    respond_overdue: bool
    resolve_by: datetime | None
    resolve_overdue: bool
    next_internal_update_by: datetime | None
    internal_update_overdue: bool
    next_external_update_by: datetime | None
    external_update_overdue: bool


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    user_email: str
    assigned_at: datetime
    assigned_by: str


class HypothesisOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    status: str
    owner: str | None
    # Why the owner can no longer work it (made a viewer, deactivated, off a private
    # incident's roles), while it is not concluded: hand it on. None: nothing to say.
    owner_cannot_work: str | None = None
    created_at: datetime
    created_by: str
    updated_at: datetime


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    assignee: str | None
    # As HypothesisOut.owner_cannot_work, while the task is not done.
    assignee_cannot_work: str | None = None
    done: bool
    done_at: datetime | None
    done_by: str | None
    created_at: datetime
    created_by: str


class IncidentOut(BaseModel):
    id: int
    number: int
    ref: str
    title: str
    summary: str
    severity: str
    status: str
    services: list[str]
    impact: dict[str, Any]
    drill: bool
    private: bool
    tags: list[str]
    source: str
    dedup_group: str | None
    created_by: str
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    responded_at: datetime | None = Field(
        default=None, description="When someone started working it (meets respond_within)"
    )
    mitigated_at: datetime | None
    mitigated_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    reopened_at: datetime | None
    reopen_count: int
    # The incident this one follows (its alert fired again after a manual resolve).
    previous_number: int | None = None
    updated_at: datetime
    allowed_actions: list[str]
    due: DueTimes


class IncidentDetail(IncidentOut):
    roles: list[RoleOut]
    # Each page's messages: person, channel, state, attempts, the provider's answer.
    pages: list[PageDelivery] = []
    # Set when a paging severity ended with nobody to page (cleared by the next page queued).
    unpaged: str | None = None


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    incident_id: int | None
    kind: str
    actor: str
    occurred_at: datetime
    payload: dict[str, Any]
    starred: bool
    prev_hash: str
    hash: str


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None
