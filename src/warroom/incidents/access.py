"""Route helpers: who may see which incident, so private incidents leave no trace.

`visible_incident` guards every route under /incidents/{number}: a private incident the caller
is no member of is answered exactly as a number no incident has (404, the same message), so
that a guess cannot tell it exists. Routes that list things belonging to incidents
(alerts, notifications, action runs, postmortems) leave the rows of `hidden_incident_ids` out in
their query, before its limit (dropped afterwards, a page came back short, which told the
caller that hidden rows exist), and answer a single such row as if it did not exist.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from warroom.errors import NotFound
from warroom.incidents import service
from warroom.incidents.models import Incident, IncidentRole
from warroom.principal import Principal


def visible_incident(session: Session, number: int, principal: Principal) -> Incident:
    """The incident, or NotFound: also when it is private and the caller is no member (a 403
    would tell them that it exists)."""
    incident = service.get_incident(session, number)
    if not service.can_read(session, incident, principal.email, is_admin=principal.allows("admin")):
        raise NotFound(f"no incident INC-{number}", field="number")
    return incident


def hidden_incident_ids(session: Session, principal: Principal) -> frozenset[int]:
    """Ids of the private incidents the caller is no member of (none for admins)."""
    if principal.allows("admin"):
        return frozenset()
    email = principal.email.lower()
    member = exists().where(
        IncidentRole.incident_id == Incident.id,
        IncidentRole.user_email == email,
        IncidentRole.ended_at.is_(None),
    )
    query = select(Incident.id).where(
        Incident.private.is_(True), func.lower(Incident.created_by) != email, ~member
    )
    return frozenset(session.scalars(query))


def may_see_incident_id(session: Session, principal: Principal, incident_id: int | None) -> bool:
    """False when incident_id is a private incident the caller is no member of."""
    if incident_id is None or principal.allows("admin"):
        return True
    return incident_id not in hidden_incident_ids(session, principal)
