"""The API representation of an incident, with the due times derived from its severity.

Due times: acknowledge, respond and resolve targets count from `opened_at` (a severity change
re-bases them on the new severity's targets, still from `opened_at`). Each is met by its own
moment: acknowledge by `acknowledged_at`, respond ("start working", the reference processes'
response time) by `responded_at` (the first note, status update, mitigation or resolution),
resolve by `resolved_at`. The next internal and external updates are due when the comms
cadence says (`UPDATES_DUE`): the due time that also sends the reminders, overdue from then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom.catalog.models import Severity
from warroom.incidents import lifecycle, roles
from warroom.incidents.models import Incident
from warroom.incidents.schemas import DueTimes, IncidentDetail, IncidentOut, RoleOut
from warroom.notify import service as notify


@dataclass(frozen=True)
class UpdateDue:
    """When the next update of one audience is due, and since when the engine has found it
    overdue (None: not yet)."""

    due_at: datetime
    overdue_since: datetime | None = None


# Per incident id, each audience's ("internal", "external") next update as the comms cadence
# plans it: the due time that sends the reminders. The composition root (warroom.wiring) sets
# it: comms reads incidents, so incidents cannot import comms. Unset (None), no update is due.
UpdatesDue = Callable[[Session, Collection[int]], Mapping[int, Mapping[str, UpdateDue]]]
UPDATES_DUE: UpdatesDue | None = None


def updates_due(session: Session, ids: Collection[int]) -> Mapping[int, Mapping[str, UpdateDue]]:
    """The next update of each audience of these incidents (an audience without one: absent)."""
    hook = UPDATES_DUE
    return {} if hook is None or not ids else hook(session, ids)


def _after(start: datetime, seconds: int | None) -> datetime | None:
    return None if seconds is None else start + timedelta(seconds=seconds)


def _late(due: datetime | None, now: datetime, pending: bool) -> bool:
    return pending and due is not None and now > due


def _update_late(update: UpdateDue | None, now: datetime) -> bool:
    return update is not None and (update.overdue_since is not None or now > update.due_at)


def _awaits_ack(incident: Any) -> bool:
    return bool(incident.status == "triggered" and incident.acknowledged_at is None)


def due_times(
    incident: Any, severity: Severity | None, now: datetime, updates: Mapping[str, UpdateDue]
) -> DueTimes:
    """When the next targets fall due and whether they are already missed; `updates`: the
    incident's next updates (`updates_due`), shown while it is open."""
    active = incident.status in lifecycle.OPEN_STATUSES
    opened = incident.opened_at
    ack_by = _after(opened, severity.ack_within_s) if severity else None
    respond_by = _after(opened, severity.respond_within_s) if severity else None
    resolve_by = _after(opened, severity.resolve_within_s) if severity else None
    internal = updates.get("internal") if active else None
    external = updates.get("external") if active else None
    return DueTimes(
        acknowledge_by=ack_by,
        # Owed while triggered only: mitigated, or reopened after a resolve, without one, it
        # can no longer be given (`ack` is refused from there).
        acknowledge_overdue=_late(ack_by, now, _awaits_ack(incident)),
        respond_by=respond_by,
        respond_overdue=_late(respond_by, now, active and incident.responded_at is None),
        resolve_by=resolve_by,
        resolve_overdue=_late(resolve_by, now, active),
        next_internal_update_by=internal.due_at if internal else None,
        internal_update_overdue=_update_late(internal, now),
        next_external_update_by=external.due_at if external else None,
        external_update_overdue=_update_late(external, now),
    )


def incident_out(
    incident: Any,
    severity: Severity | None,
    now: datetime,
    updates: Mapping[str, UpdateDue],
    services: list[str] | None = None,
    may_act: bool = True,
) -> IncidentOut:
    """The list representation, from an Incident or a plain row of the incidents table.

    may_act: whether the caller may move incidents (a responder); a viewer is offered none."""
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
        allowed_actions=lifecycle.allowed_actions(incident.status) if may_act else [],
        due=due_times(incident, severity, now, updates),
    )


def incident_list(
    session: Session,
    rows: list[Any],
    severities: Mapping[str, Severity],
    now: datetime,
    services: Mapping[int, list[str]],
    may_act: bool = True,
) -> list[IncidentOut]:
    """The list representation of listed rows (one look-up of their next updates)."""
    due = updates_due(session, [r.id for r in rows])
    return [
        incident_out(
            r, severities.get(r.severity), now, due.get(r.id, {}), services.get(r.id, []), may_act
        )
        for r in rows
    ]


def incident_detail(
    session: Session,
    incident: Incident,
    severity: Severity | None,
    now: datetime,
    may_act: bool = True,
) -> IncidentDetail:
    """The single-incident representation: the list one plus current roles and pages."""
    due = updates_due(session, [incident.id]).get(incident.id, {})
    base = incident_out(incident, severity, now, due, may_act=may_act)
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
