"""Action items as the API takes and shows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from warroom.review.action_items.models import ActionItem

Level = Literal["high", "low"]
Status = Literal["open", "in_progress", "done", "wont_do"]
DUE_HINT = "a date (due by the end of that day, UTC) or a time with its zone"


def parse_due(value: Any) -> date | datetime | None:
    """'2026-03-01' (a date) or '2026-03-01T09:30:00+01:00' (a time with its zone)."""
    if value is None or isinstance(value, date):
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("a due time needs its time zone (or give a date)")
        return value
    text = str(value).strip()
    try:
        if "T" not in text and " " not in text:
            return date.fromisoformat(text)
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a date (2026-03-01) or a time") from None
    if found.tzinfo is None:
        raise ValueError("a due time needs its time zone (or give a date)")
    return found


Due = Annotated[
    date | datetime | None,
    PlainValidator(parse_due),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
                {"type": "null"},
            ]
        }
    ),
]


class ActionItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    owner: str = Field(min_length=1, max_length=320, description="the owner's e-mail (a user)")
    impact: Level
    effort: Level
    due: Due = Field(default=None, description=f"{DUE_HINT}; default: from the matrix's horizon")
    description: str = Field(default="", max_length=20_000)
    export: bool | None = Field(
        default=None, description="send it to the issue tracker (default: the config's automatic)"
    )


class ActionItemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    owner: str | None = Field(default=None, min_length=1, max_length=320)
    impact: Level | None = None
    effort: Level | None = None
    due: Due = Field(default=None, description=f"{DUE_HINT}; null clears")
    description: str | None = Field(default=None, max_length=20_000)
    status: Status | None = None

    def changes(self) -> dict[str, Any]:
        """The fields given (a given null due date clears it; other nulls are ignored)."""
        found: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "due":
                found["due_at"] = value
            elif value is not None:
                found[name] = value
        return found


class ExportOut(BaseModel):
    state: str | None
    attempts: int
    status_code: int | None
    ref: str | None
    url: str | None
    error: str | None
    exported_at: datetime | None


class ActionItemOut(BaseModel):
    id: int
    incident: int  # its number (INC-n)
    incident_ref: str
    drill: bool = Field(default=False, description="Its incident is a drill (a practice one)")
    postmortem_id: int | None
    title: str
    description: str
    owner: str
    owner_cannot_act: str | None = Field(
        default=None,
        description="why the owner can no longer act on it ('deactivated', 'a viewer'): "
        "give it a new owner; null when they can",
    )
    impact: str
    effort: str
    priority: str
    horizon: str
    due_at: datetime | None
    status: str
    overdue: bool
    overdue_since: datetime | None
    reminded_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    export: ExportOut

    @classmethod
    def of(cls, item: ActionItem, number: int, overdue: bool, drill: bool = False) -> ActionItemOut:
        return cls(
            id=item.id,
            incident=number,
            incident_ref=f"INC-{number}",
            drill=drill,
            postmortem_id=item.postmortem_id,
            title=item.title,
            description=item.description,
            owner=item.owner,
            impact=item.impact,
            effort=item.effort,
            priority=item.priority,
            horizon=item.horizon,
            due_at=item.due_at,
            status=item.status,
            overdue=overdue,
            overdue_since=item.overdue_since,
            reminded_at=item.reminded_at,
            created_by=item.created_by,
            created_at=item.created_at,
            updated_at=item.updated_at,
            closed_at=item.closed_at,
            export=ExportOut(
                state=item.export_state,
                attempts=item.export_attempts,
                status_code=item.export_status_code,
                ref=item.export_ref,
                url=item.export_url,
                error=item.export_error,
                exported_at=item.exported_at,
            ),
        )
