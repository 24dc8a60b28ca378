"""Public status updates of an incident, read from the comms domain when it is installed.

The comms domain stores every status update with its public text; only that public text (and
its state and time) is read here. Until comms exists the page shows the public message given
when the incident was published, and nothing else.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

PUBLIC_STATES = ("investigating", "identified", "monitoring", "resolved")


@dataclass(frozen=True)
class PublicUpdate:
    id: str
    status: str
    body: str
    created_at: datetime


def _comms() -> ModuleType | None:
    try:
        return importlib.import_module("warroom.comms.service")
    except ImportError:
        return None


def _text(update: Any) -> str:
    for name in ("public_text", "public", "public_body"):
        value = getattr(update, name, None)
        if isinstance(value, str):
            return value.strip()
    return ""


def public_updates(session: Session, incident_id: int) -> list[PublicUpdate]:
    """The incident's status updates that carry public text, oldest first."""
    comms = _comms()
    reader = getattr(comms, "public_updates", None) if comms is not None else None
    if reader is None:
        return []
    found: list[PublicUpdate] = []
    for update in reader(session, incident_id):
        body = _text(update)
        if not body:
            continue
        state = str(getattr(update, "state", "") or "investigating")
        created = getattr(update, "created_at", None) or getattr(update, "posted_at", None)
        if not isinstance(created, datetime):
            continue
        found.append(
            PublicUpdate(
                id=f"u{getattr(update, 'id', len(found))}",
                status=state if state in PUBLIC_STATES else "investigating",
                body=body,
                created_at=created,
            )
        )
    return sorted(found, key=lambda u: u.created_at)
