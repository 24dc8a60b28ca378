"""Route helpers: load an incident by number and check the caller may see it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.auth.service import Principal
from warroom.errors import Forbidden
from warroom.incidents import service
from warroom.incidents.models import Incident


def visible_incident(session: Session, number: int, principal: Principal) -> Incident:
    """The incident, or NotFound; Forbidden if it is private and the caller is no member."""
    incident = service.get_incident(session, number)
    if not service.can_read(session, incident, principal.email, is_admin=principal.allows("admin")):
        raise Forbidden(
            f"{incident.ref} is private: only its members and admins may see it", field="number"
        )
    return incident
