"""The API representation of an incident, with the due times derived from its severity.

Due times: acknowledge, respond and resolve targets count from `opened_at` (a severity change
re-bases them on the new severity's targets, still from `opened_at`). Each is met by its own
moment: acknowledge by `acknowledged_at`, respond ("start working", the reference processes'
response time) by `responded_at` (the first note, status update, mitigation or resolution),
resolve by `resolved_at`. The next internal update is due `internal_update_every_s` after
the last note or internal status update (`comms:update:*`), or after opening; the next external
update likewise after the last external status update. Update reminders stop once resolved.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom.catalog.models import Severity
from warroom.incidents import lifecycle, roles
from warroom.incidents.models import Incident
from warroom.incidents.schemas import DueTimes, IncidentDetail, IncidentOut, RoleOut
from warroom.notify import service as notify


def _after(start: datetime, seconds: int | None) -> datetime | None:
    return None if seconds is None else start + timedelta(seconds=seconds)


def _late(due: datetime | None, now: datetime, pending: bool) -> bool:
    return pending and due is not None and now > due


def due_times(incident: Any, severity: Severity | None, now: datetime) -> DueTimes:
    """When the next targets fall due and whether they are already missed."""
    active = incident.status in lifecycle.OPEN_STATUSES
    opened = incident.opened_at
    ack_by = _after(opened, severity.ack_within_s) if severity else None
    respond_by = _after(opened, severity.respond_within_s) if severity else None
    resolve_by = _after(opened, severity.resolve_within_s) if severity else None
    internal = external = None
    if severity and active:
        internal = _after(incident.last_internal_update_at, severity.internal_update_every_s)
        external = _after(incident.last_external_update_at, severity.external_update_every_s)
    return DueTimes(
        acknowledge_by=ack_by,
        acknowledge_overdue=_late(ack_by, now, active and incident.acknowledged_at is None),
        respond_by=respond_by,
        respond_overdue=_late(respond_by, now, active and incident.responded_at is None),
        resolve_by=resolve_by,
        resolve_overdue=_late(resolve_by, now, active),
        next_internal_update_by=internal,
        internal_update_overdue=_late(internal, now, active),
        next_external_update_by=external,
        external_update_overdue=_late(external, now, active),
    )


def incident_out(
    incident: Any, severity: Severity | None, now: datetime, services: list[str] | None = None
) -> IncidentOut:
    """The list representation, from an Incident or a plain row of the incidents table."""
    return IncidentOut(
        id=incident.id,
        number=incident.number,
        ref=f"INC-{incident.number}",
        title=incident.title,
        summary=incident.summary,
        severity=incident.severity,
        status=incident.status,
        services=incident.service_keys if services is None else services,
        impact=incident.impact,
        drill=incident.drill,
        private=incident.private,
        tags=list(incident.tags),
        source=incident.source,
        dedup_group=incident.dedup_group,
        created_by=incident.created_by,
        opened_at=incident.opened_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        responded_at=incident.responded_at,
        mitigated_at=incident.mitigated_at,
        mitigated_by=incident.mitigated_by,
        resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
        closed_at=incident.closed_at,
        closed_by=incident.closed_by,
        reopened_at=incident.reopened_at,
        reopen_count=incident.reopen_count,
        previous_number=incident.previous_number,
        updated_at=incident.updated_at,
        allowed_actions=lifecycle.allowed_actions(incident.status),
        due=due_times(incident, severity, now),
    )


def incident_detail(
    session: Session, incident: Incident, severity: Severity | None, now: datetime
) -> IncidentDetail:
    """The single-incident representation: the list one plus current roles and pages."""
    base = incident_out(incident, severity, now)
    held = [RoleOut.model_validate(r) for r in roles.current_roles(session, incident)]
    return IncidentDetail(
        **base.model_dump(),
        roles=held,
        unpaged=unpaged(session, incident),
        pages=notify.page_deliveries(session, incident.id),
    )


def unpaged(session: Session, incident: Incident) -> str | None:
    """Why a paging incident paged nobody (`paging:incident:unpaged`), until a page is queued."""
    from warroom.audit import service as timeline

    kinds = ["paging:incident:unpaged", "paging:page:queued"]
    events = timeline.events_since(session, incident_id=incident.id, kinds=kinds)
    if not events or events[-1].kind != kinds[0]:
        return None
    return str(events[-1].payload.get("message") or events[-1].payload.get("reason"))
