"""Listing incidents: filters, the private-incident rule, keyset pagination on id."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from warroom.audit.pagination import decode_cursor, encode_cursor
from warroom.catalog import service as catalog
from warroom.errors import Invalid
from warroom.incidents import lifecycle
from warroom.incidents.models import Incident, IncidentRole, IncidentService

MAX_PAGE = 200


def status_of(incident_id: Any) -> Any:
    """A SQL expression: the status of the incident whose id is `incident_id` (a column of
    another domain's table), so that domain's UPDATE ... RETURNING learns it in the same trip."""
    return select(Incident.status).where(Incident.id == incident_id).scalar_subquery()


# The open statuses as plain bound parameters: a tuple would be an expanding IN, which
# SQLAlchemy renders again on every execution (this query runs twice per opening).
_OPEN = [literal(status) for status in lifecycle.OPEN_STATUSES]


def open_in_dedup_group(dedup_group: Any) -> Select[int, int]:
    """A query: (id, number) of the newest open incident of a dedup group (a bound parameter
    or another domain's column), for that domain's statement to read along with its own."""
    return (
        select(Incident.id, Incident.number)
        .where(Incident.dedup_group == dedup_group, Incident.status.in_(_OPEN))
        .order_by(Incident.id.desc())
        .limit(1)
    )


def check_filters(session: Session, *, severity: list[str] | None, service: str | None) -> None:
    """Invalid naming the filter when a severity or service key names none, active or retired
    (a typo such as `sev1` must not read as "no incidents")."""
    known = catalog.severities_by_key(session)
    for key in severity or []:
        if key not in known:
            listed = ", ".join(sorted(known)) or "none are configured"
            raise Invalid(f"unknown severity {key!r}; known: {listed}", field="severity")
    if service and service not in {
        s.key for s in catalog.list_services(session, include_inactive=True)
    }:
        raise Invalid(f"unknown service {service!r}", field="service")


def _query(
    base: Select[Any],
    *,
    status: list[str] | None,
    severity: list[str] | None,
    service: str | None,
    since: datetime | None,
    cursor: str | None,
    limit: int,
    viewer: str | None,
    include_drills: bool,
) -> Select[Any]:
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    for value in status or []:
        if value not in lifecycle.STATUSES:
            raise Invalid(
                f"unknown status {value!r}; one of {', '.join(lifecycle.STATUSES)}",
                field="status",
            )
    query = base
    if status:
        query = query.where(Incident.status.in_(status))
    if severity:
        query = query.where(Incident.severity.in_(severity))
    if service:
        query = query.where(
            Incident.id.in_(
                select(IncidentService.incident_id).where(IncidentService.service_key == service)
            )
        )
    if since is not None:
        query = query.where(Incident.opened_at >= since)
    if not include_drills:
        query = query.where(Incident.drill.is_(False))
    if viewer is not None:
        # E-mail addresses compare without case, as the access checks (incidents.access) do.
        email = viewer.lower()
        member = exists().where(
            IncidentRole.incident_id == Incident.id,
            IncidentRole.user_email == email,  # stored as the user's address, in lower case
            IncidentRole.ended_at.is_(None),
        )
        mine = func.lower(Incident.created_by) == email
        query = query.where(or_(Incident.private.is_(False), mine, member))
    if cursor:
        query = query.where(Incident.id < decode_cursor(cursor, "id")["id"])
    return query.order_by(Incident.id.desc()).limit(limit + 1)


def list_incidents(
    session: Session,
    *,
    status: list[str] | None = None,
    severity: list[str] | None = None,
    service: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
    viewer: str | None = None,
    include_drills: bool = True,
) -> tuple[list[Incident], str | None]:
    """A page of incidents, newest first (keyset on id); viewer=None sees private ones too."""
    query = _query(
        select(Incident).options(selectinload(Incident.services)),
        status=status,
        severity=severity,
        service=service,
        since=since,
        cursor=cursor,
        limit=limit,
        viewer=viewer,
        include_drills=include_drills,
    )
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(id=rows[-1].id) if more and rows else None)


def list_rows(
    session: Session,
    *,
    status: list[str] | None = None,
    severity: list[str] | None = None,
    service: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
    viewer: str | None = None,
    include_drills: bool = True,
) -> tuple[list[Any], dict[int, list[str]], str | None]:
    """Like list_incidents, as plain rows plus services by incident id (the API's fast path:
    no ORM objects, two queries)."""
    query = _query(
        select(*Incident.__table__.c),
        status=status,
        severity=severity,
        service=service,
        since=since,
        cursor=cursor,
        limit=limit,
        viewer=viewer,
        include_drills=include_drills,
    )
    rows = list(session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    services: dict[int, list[str]] = defaultdict(list)
    if rows:
        links = session.execute(
            select(IncidentService.incident_id, IncidentService.service_key)
            .where(IncidentService.incident_id.in_([r.id for r in rows]))
            .order_by(IncidentService.service_key)
        )
        for incident_id, key in links:
            services[incident_id].append(key)
    return rows, services, (encode_cursor(id=rows[-1].id) if more and rows else None)
