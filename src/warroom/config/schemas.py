"""API shapes for config apply and the current revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ConfigUpload(BaseModel):
    files: dict[str, str] = Field(
        min_length=1, description="File name -> YAML text, as the files of a config directory"
    )
    dry_run: bool = False
    force: bool = Field(
        default=False,
        description="Apply even if it deactivates the caller or the last active admin",
    )


class PlanEntryOut(BaseModel):
    action: str
    kind: str
    identity: str
    changes: dict[str, dict[str, Any]]
    note: str
    warnings: list[str] = Field(
        default_factory=list,
        description="What the change does to work under way: an open incident's escalation "
        "naming what it deactivates, a deactivated person's schedule overrides",
    )


class ApplyOut(BaseModel):
    dry_run: bool
    revision_id: int | None
    digest: str
    summary: str
    plan: list[PlanEntryOut]
    warnings: list[str] = Field(
        default_factory=list, description="Accepted but worth fixing, e.g. a weak secret"
    )
    lockouts: list[str] = Field(
        default_factory=list,
        description="What the change does to who can run warroom (deactivating the caller "
        "or the last active admin); an apply refuses them with 409 unless `force` is set",
    )


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    digest: str
    source: str
    applied_at: datetime
    applied_by: str


class CurrentConfigOut(BaseModel):
    revision: RevisionOut | None
    document: dict[str, Any] = Field(description="Normalised document; secrets are masked")
