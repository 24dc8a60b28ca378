"""Public status updates of an incident, read from the comms domain.

The comms domain stores every status update with its internal and public text; only the public
text (with its state and time) is read here, never the internal one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.comms import service as comms

PUBLIC_STATES = ("investigating", "identified", "monitoring", "resolved")


@dataclass(frozen=True)
class PublicUpdate:
    id: str
    status: str
    body: str
    created_at: datetime


def public_updates(session: Session, incident_id: int) -> list[PublicUpdate]:
    """The incident's status updates that carry public text, oldest first; each body is the
    comms domain's `public_update` template rendered from public fields only."""
    return [
        PublicUpdate(
            id=f"u{update.id}",
            status=update.state if update.state in PUBLIC_STATES else "investigating",
            body=body,
            created_at=update.created_at,
        )
        for update, body in comms.rendered_public_updates(session, incident_id)
        if body
    ]
