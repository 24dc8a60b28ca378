"""Route helpers: who may see which incident, so private incidents leave no trace.

`visible_incident` guards every route under /incidents/{number}: a private incident the caller
is no member of is answered exactly as a number no incident has (404, the same message), so
that a guess cannot tell it exists. Routes that list things belonging to incidents
(alerts, notifications, action runs, postmortems, action items, drills) leave the rows of
`hidden_incident_ids` out in their query, before its limit (dropped afterwards, a page came back
short, which told the caller that hidden rows exist), and answer a single such row as if it did
not exist. The hidden incidents are a subquery, never a list of ids bound one by one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import Select, exists, false, func, select
from sqlalchemy.orm import Session, aliased

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


class HiddenIncidents(Collection[int]):
    """The private incidents a caller is no member of, kept as a query, not a list of ids.

    A list's filter took one bound parameter per hidden incident, and a statement holds at most
    32,766 (SQLite's default) or 65,535 (PostgreSQL's protocol): `column.not_in(hidden)` is
    NOT IN (SELECT ...) instead, of the same size however many are hidden. `if hidden:` is
    true unless the caller is an admin (it may hide some: a filter that leaves nothing out
    costs nothing); `incident_id in hidden` asks about that one incident.
    """

    def __init__(self, session: Session, email: str | None) -> None:
        self._session = session
        self._email = None if email is None else email.lower()  # None: an admin's

    def query(self, only: int | None = None) -> Select[int]:
        """Their ids (`only`: that one's, if hidden), as a query on an alias of incidents, which
        a list's own query on incidents cannot correlate away."""
        hidden = aliased(Incident, name="hidden_incidents")
        if self._email is None:
            return select(hidden.id).where(false())
        member = exists().where(
            IncidentRole.incident_id == hidden.id,
            IncidentRole.user_email == self._email,
            IncidentRole.ended_at.is_(None),
        )
        query = select(hidden.id).where(
            hidden.private.is_(True), func.lower(hidden.created_by) != self._email, ~member
        )
        return query if only is None else query.where(hidden.id == only)

    def __clause_element__(self) -> Select[int]:
        return self.query()

    def __bool__(self) -> bool:
        return self._email is not None

    def __contains__(self, incident_id: object) -> bool:
        if self._email is None or not isinstance(incident_id, int):
            return False
        return bool(self._session.scalar(select(self.query(incident_id).exists())))

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._session.scalars(self.query())) if self else [])

    def __len__(self) -> int:
        if not self:
            return 0
        counted = select(func.count()).select_from(self.query().subquery())
        return int(self._session.scalar(counted) or 0)


def hidden_incident_ids(session: Session, principal: Principal) -> HiddenIncidents:
    """The private incidents the caller is no member of (none for admins), as a query."""
    return HiddenIncidents(session, None if principal.allows("admin") else principal.email)


def may_see_incident_id(session: Session, principal: Principal, incident_id: int | None) -> bool:
    """False when incident_id is a private incident the caller is no member of."""
    if incident_id is None or principal.allows("admin"):
        return True
    return incident_id not in hidden_incident_ids(session, principal)
