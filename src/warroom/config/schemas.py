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


class PlanEntryOut(BaseModel):
    action: str
    kind: str
    identity: str
    changes: dict[str, dict[str, Any]]
    note: str


class ApplyOut(BaseModel):
    dry_run: bool
    revision_id: int | None
    digest: str
    summary: str
    plan: list[PlanEntryOut]
    warnings: list[str] = Field(
        default_factory=list, description="Accepted but worth fixing, e.g. a weak secret"
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
