"""The `action_items` config section: the priority matrix, reminders and the tracker export.

action_items:
  reminder_before: 2d             # remind the owner this long before the due date
  matrix:                         # impact x effort -> priority, horizon, default due date
    high_impact_low_effort:  {priority: P0, horizon: this week, due_within: 7d}
    high_impact_high_effort: {priority: P1, horizon: this month, due_within: 30d}
    low_impact_low_effort:   {priority: P2, horizon: this quarter, due_within: 90d}
    low_impact_high_effort:  {priority: P3, horizon: backlog}    # no due date by default
  export:                         # optional: send items to an issue tracker
    webhook_url: ${TRACKER_WEBHOOK_URL}   # a secret: masked in plans and the stored document
    automatic: false              # true: every new item is exported when created
    max_attempts: 5
    timeout: 10s

Every cell left out keeps its default. The webhook URL lives in its own table (the stored
config document keeps only its masked form).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom import outbound
from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.config.document import ConfigDocument, Plan
from warroom.config.registry import Section
from warroom.config.types import ConfigModel, Duration
from warroom.review.action_items.models import TrackerWebhook

LEVELS = ("high", "low")
KEY = "action_items"


def check_webhook_url(value: str) -> str:
    """A webhook URL warroom can POST to: http(s), a host, no spaces (never echoes the value)."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise ValueError("not a URL (write https://host/path)") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with https:// or http://")
    if not parts.hostname or not port_ok or any(c.isspace() for c in text):
        raise ValueError("needs a host and no spaces (write https://host/path)")
    refused = outbound.literal_refusal(text)
    if refused is not None:
        raise ValueError(refused)
    return text


class Cell(ConfigModel):
    priority: str = Field(min_length=1, max_length=16)
    horizon: str = Field(min_length=1, max_length=64)
    # None: items of this cell get no due date unless one is given.
    due_within: Duration | None = None


class Matrix(ConfigModel):
    high_impact_low_effort: Cell = Cell(
        priority="P0", horizon="this week", due_within=timedelta(days=7)
    )
    high_impact_high_effort: Cell = Cell(
        priority="P1", horizon="this month", due_within=timedelta(days=30)
    )
    low_impact_low_effort: Cell = Cell(
        priority="P2", horizon="this quarter", due_within=timedelta(days=90)
    )
    low_impact_high_effort: Cell = Cell(priority="P3", horizon="backlog")

    def cell(self, impact: str, effort: str) -> Cell:
        """The cell of an impact and an effort (each "high" or "low")."""
        return cast(Cell, getattr(self, f"{impact}_impact_{effort}_effort"))


class ExportConfig(ConfigModel):
    webhook_url: str = Field(min_length=1, max_length=2000)
    automatic: bool = False
    max_attempts: int = Field(default=5, ge=1, le=50)
    timeout: Duration = timedelta(seconds=10)

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_webhook_url(value)


class ActionItemsConfig(ConfigModel):
    reminder_before: Duration = timedelta(days=2)
    matrix: Matrix = Matrix()
    export: ExportConfig | None = None


class Options(ConfigModel):
    """What the service reads: the section in force, without the (masked) webhook URL."""

    reminder_before: timedelta = timedelta(days=2)
    matrix: Matrix = Matrix()
    export_enabled: bool = False
    automatic: bool = False
    max_attempts: int = 5
    timeout: timedelta = timedelta(seconds=10)


def options(session: Session) -> Options:
    """The `action_items` section in force (defaults when none is configured)."""
    raw: Any = config_service.current_section(session, KEY) or {}
    export = raw.get("export") if isinstance(raw, dict) else None
    base = ActionItemsConfig.model_validate({k: v for k, v in raw.items() if k != "export"})
    found = Options(reminder_before=base.reminder_before, matrix=base.matrix)
    if isinstance(export, dict) and tracker_url(session) is not None:
        found.export_enabled = True
        found.automatic = bool(export.get("automatic", False))
        found.max_attempts = int(export.get("max_attempts", 5))
        timeout = ExportConfig.model_validate({"webhook_url": "https://x", **_no_url(export)})
        found.timeout = timeout.timeout
    return found


def _no_url(export: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in export.items() if k != "webhook_url"}


def tracker_url(session: Session) -> str | None:
    """The configured tracker webhook URL (a secret: never show it), or None."""
    row = session.scalar(select(TrackerWebhook).limit(1))
    return None if row is None else row.url


def apply(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    """Store the webhook URL in its table; the rest of the section lives in the document."""
    item = doc.get(KEY)
    config = cast("ActionItemsConfig | None", item)
    before = config_service.current_section(session, KEY)
    row = session.scalar(select(TrackerWebhook).limit(1))
    url = config.export.webhook_url if config is not None and config.export else None
    if config is None:
        if before is not None:
            plan.delete(KEY, "")
    else:
        old = None if before is None else {**before, "webhook_url": row.url if row else None}
        new = {**config.model_dump(mode="json"), "webhook_url": url}
        new.pop("export", None) if new.get("export") is None else new["export"].pop("webhook_url")
        if old is not None and isinstance(old.get("export"), dict):
            old["export"] = _no_url(old["export"])
        plan.compare(KEY, "", old, new)
    _store_url(session, row, url, clock.now())


def _store_url(
    session: Session, row: TrackerWebhook | None, url: str | None, now: datetime
) -> None:
    if url is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(TrackerWebhook(url=url, updated_at=now))
    elif row.url != url:
        row.url, row.updated_at = url, now


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = [
    Section(
        KEY,
        ActionItemsConfig,
        many=False,
        apply=apply,
        order=320,
        description="Action items: impact x effort priority matrix, owner reminders, "
        "export to an issue tracker through a webhook",
    )
]
