"""Runbooks over the API: runbooks, runs (checklists with progress), step changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from warroom.runbooks.models import Runbook, RunbookLink


class RunbookOut(BaseModel):
    key: str
    title: str
    version: str
    services: list[str]
    severities: list[str]
    matchers: dict[str, str]
    named_by_services: list[str]
    steps: int
    document: dict[str, Any] | None = None

    @classmethod
    def of(cls, row: Runbook, *, full: bool = False) -> RunbookOut:
        doc = row.document
        steps = _count(doc)
        return cls(
            key=row.key,
            title=row.title,
            version=row.version,
            services=list(doc.get("services") or []),
            severities=list(doc.get("severities") or []),
            matchers=dict(doc.get("matchers") or {}),
            named_by_services=list(row.named_by_services or []),
            steps=steps,
            document=doc if full else None,
        )


def _count(doc: dict[str, Any]) -> int:
    def walk(nodes: list[dict[str, Any]]) -> int:
        own = sum(1 for n in nodes if n.get("kind") in ("step", "command"))
        return own + sum(walk(n.get("children") or []) for n in nodes)

    return sum(walk(s.get("nodes") or []) for s in doc.get("sections") or [])


class StepNote(BaseModel):
    """A note on a step: who, when (UTC, written `Z` like every time of the API), what."""

    by: str
    at: datetime
    text: str


class StepOut(BaseModel):
    number: int
    kind: str
    text: str
    code: str = ""
    lang: str = ""
    depth: int
    section: str
    state: str = "todo"
    reason: str = ""
    changed_by: str | None = None
    changed_at: datetime | None = None
    notes: list[StepNote] = []


class ProgressOut(BaseModel):
    done: int
    skipped: int
    blocked: int
    total: int
    line: str


class RunOut(BaseModel):
    runbook: str
    title: str
    version: str
    reason: str
    attached_by: str
    attached_at: datetime
    progress: ProgressOut
    steps: list[StepOut] = []


class LinkOut(BaseModel):
    url: str
    alert_id: int | None
    added_at: datetime

    @classmethod
    def of(cls, row: RunbookLink) -> LinkOut:
        return cls(url=row.url, alert_id=row.alert_id, added_at=row.added_at)


class IncidentRunbooksOut(BaseModel):
    runs: list[RunOut]
    links: list[LinkOut]


class AttachIn(BaseModel):
    key: str = Field(min_length=1, max_length=64)


class StepIn(BaseModel):
    state: Literal["todo", "done", "skipped", "blocked"]
    reason: str = Field(default="", max_length=2000)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
