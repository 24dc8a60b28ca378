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


def public_updates(session: Session, incident_id: int, public_id: int) -> list[PublicUpdate]:
    """The incident's status updates that carry public text, oldest first; each body is the
    comms domain's `public_update` template rendered from public fields only.

    Ids are `{public_id}-{n}` (n counts the incident's public updates from 1), never the comms
    row id: that sequence is shared by every update, internal ones of unpublished and private
    incidents included, so its gaps would tell how busy they were."""
    rendered = [
        (u, body) for u, body in comms.rendered_public_updates(session, incident_id) if body
    ]
    return [
        PublicUpdate(
            id=f"{public_id}-{n}",
            status=update.state if update.state in PUBLIC_STATES else "investigating",
            body=body,
            created_at=update.created_at,
        )
        for n, (update, body) in enumerate(rendered, 1)
    ]
