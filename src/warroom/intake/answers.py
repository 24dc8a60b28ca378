"""What an intake answer may tell its sender about the incidents its alerts reached.

An alert can join a private incident (by a routing group a responder opened a private incident
for, by firing again after one; never by inhibition, warroom.intake.grouping). The webhook's
and the generic endpoint's answers list incident numbers; a private one there would tell a
monitoring system's credential, or a responder who is no member, that it exists, which the API
never does (it answers a private incident's number as one no incident has). So an integration
is told the incidents that are not private, a person's token those that person may read (an
admin: all).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents.access import hidden_incident_ids
from warroom.incidents.models import Incident
from warroom.principal import Principal


def shown_incidents(session: Session, numbers: list[int], reader: Principal | None) -> list[int]:
    """`numbers` (in their order) less those the sender may not know of: private incidents
    for an integration (`reader` None), those the person may not read for a person's token."""
    if not numbers or (reader is not None and reader.allows("admin")):
        return list(numbers)
    query = select(Incident.number).where(Incident.number.in_(numbers))
    if reader is None:
        query = query.where(Incident.private.is_(False))
    else:
        query = query.where(Incident.id.not_in(hidden_incident_ids(session, reader)))
    allowed = set(session.scalars(query))
    return [n for n in numbers if n in allowed]
