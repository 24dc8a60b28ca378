"""API shapes for evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EvidenceIn(BaseModel):
    """Text, a link or command output; files go through the multipart route."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["text", "link", "command"]
    name: str = Field(min_length=1, max_length=300)
    content: str = Field(default="", description="The text, the URL, or the command's output")
    command: str | None = Field(
        default=None, max_length=5000, description="For command output: the command"
    )
    description: str = Field(default="", max_length=5000)


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str
    description: str
    content_type: str
    command: str | None
    sha256: str
    size: int
    added_by: str
    added_at: datetime
    removed_at: datetime | None
    removed_by: str | None
    removed_reason: str | None
