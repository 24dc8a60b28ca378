"""What a postmortem owes as its incident changes after it exists.

- The severity raised or lowered: the due time follows the severity as it stands, counted from
  when the postmortem was made (the resolution, for one its severity required then) with that
  severity's `due_within`, unless a person gave the due time (`assign --due`, or a create with
  `due_within_hours`). Lowered to a severity that requires none (from one that did), it is no
  longer owed: no due time, no reminders, never overdue; the draft is kept. Owed again later,
  it is due `due_within` after that moment, as a postmortem made then would be.
- Reopened: a draft or one in review is not owed while the incident is open again (its due
  time counts from a resolution): no due time, its reminders and overdue check cancelled, an
  overdue flag cleared; a severity change meanwhile waits for the next resolution. Resolved
  again, it is due `due_within` of the severity as it then stands from that resolution (a due
  time a person gave is not kept), its reminders planned again.
- Reopened and resolved again: a published postmortem (of a severity that requires one) goes
  back to draft, its text kept, to cover what happened since; closing waits for it again. One
  in review loses the approvals given so far: reviewers approve it again, knowing the rest.

Each change is a `review:postmortem:*` event (`rescheduled`, `released`, `reopened`); the pause
itself is the incident's `incident:status:reopened`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog import service as catalog
from warroom.clock import Clock, utc
from warroom.incidents.models import Incident
from warroom.review.postmortems import reminders, service
from warroom.review.postmortems.approvals import reviews_of, withdraw
from warroom.review.postmortems.config import postmortem_settings
from warroom.review.postmortems.models import DRAFT, IN_REVIEW, PUBLISHED, Postmortem

CREATED = "review:postmortem:created"
ASSIGNED = "review:postmortem:assigned"
RESCHEDULED = "review:postmortem:rescheduled"
RELEASED = "review:postmortem:released"
REOPENED = "review:postmortem:reopened"


def due_given(session: Session, pm: Postmortem) -> bool:
    """Whether a person gave the due time in force (at its creation or by `assign`); a release,
    a reopening or a rescheduling (after a resolution again) since sets it from the severity."""
    given = False
    kinds = [CREATED, ASSIGNED, RELEASED, REOPENED, RESCHEDULED]
    for event in timeline.events_since(session, incident_id=pm.incident_id, kinds=kinds):
        payload = event.payload or {}
        if event.kind == CREATED:
            given = bool(payload.get("due_given"))
        elif event.kind == ASSIGNED:
            given = given or "due_at" in payload
        else:
            given = False
    return given


def _requires(session: Session, severity: str | None) -> bool:
    known = catalog.severities_by_key(session).get(severity or "")
    return known is not None and bool(known.postmortem_required)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc(value).isoformat()


def _release(session: Session, clock: Clock, incident: Incident, pm: Postmortem) -> None:
    was, was_overdue = pm.due_at, service.is_overdue(pm, clock.now())
    pm.due_at = None
    reminders.plan(session, clock, pm, postmortem_settings(session))  # cancels, plans none
    timeline.record(
        session,
        clock,
        incident_id=pm.incident_id,
        kind=RELEASED,
        actor="warroom:review",
        payload={
            "state": pm.state,
            "severity": incident.severity,
            "due_at_was": _iso(was),
            "was_overdue": was_overdue,
        },
    )


def _reschedule(session: Session, clock: Clock, incident: Incident, pm: Postmortem) -> None:
    """Due `due_within` of the severity as it stands after the postmortem was made (after now,
    for one owed from now on)."""
    _, within = service.required_due(session, incident)
    if within is None:
        return
    now = clock.now()
    # Owed since it was made, or since the incident was resolved again after (or from now).
    made = max(utc(pm.created_at), utc(incident.resolved_at or pm.created_at))
    owed_from = made if pm.due_at is not None else now
    due, was = owed_from + within, pm.due_at
    if was is not None and utc(was) == due:
        return
    flagged = pm.overdue_since
    pm.due_at = due
    reminders.plan(session, clock, pm, postmortem_settings(session))
    if flagged is not None and due <= now:
        pm.overdue_since = flagged  # overdue still: flagged (and told) once
    _rescheduled(session, clock, incident, pm, was)


def _rescheduled(
    session: Session,
    clock: Clock,
    incident: Incident,
    pm: Postmortem,
    was: datetime | None,
    **extra: Any,
) -> None:
    """`review:postmortem:rescheduled`: the postmortem's new due time and the one it had."""
    payload = {
        "state": pm.state,
        "severity": incident.severity,
        "due_at": _iso(pm.due_at),
        "due_at_was": _iso(was),
        **extra,
    }
    timeline.record(
        session,
        clock,
        incident_id=pm.incident_id,
        kind=RESCHEDULED,
        actor="warroom:review",
        payload=payload,
    )


def follow_severity(session: Session, clock: Clock, incident: Incident, before: str) -> None:
    """The incident's severity changed from `before`: its postmortem (unpublished) is due as the
    severity now says, or no longer owed."""
    pm = service.get_for_incident(session, incident.id)
    if pm is None or pm.state == PUBLISHED or incident.status not in service.RESOLVED:
        return  # open again: the severity as it stands at the next resolution counts
    required, _ = service.required_due(session, incident)
    if not required:
        if pm.due_at is not None and _requires(session, before):
            _release(session, clock, incident, pm)
        return
    if pm.due_at is not None and due_given(session, pm):
        return
    _reschedule(session, clock, incident, pm)


def pause(session: Session, clock: Clock, incident: Incident) -> None:
    """Reopened: an unpublished postmortem is not owed while the incident is open again (no due
    time, reminders and the overdue check cancelled, an overdue flag cleared)."""
    pm = service.get_for_incident(session, incident.id)
    if pm is None or pm.state == PUBLISHED or pm.due_at is None:
        return
    pm.due_at = None
    reminders.plan(session, clock, pm, postmortem_settings(session))  # cancels, plans none


def _resume(session: Session, clock: Clock, incident: Incident, pm: Postmortem) -> None:
    """Resolved again: a postmortem paused by the reopening is due `due_within` from now."""
    required, within = service.required_due(session, incident)
    if pm.due_at is not None or not required or within is None:
        return
    pm.due_at = clock.now() + within
    reminders.plan(session, clock, pm, postmortem_settings(session))
    _rescheduled(session, clock, incident, pm, None, resolved_again=True)


def reopen_published(session: Session, clock: Clock, incident: Incident, actor: str) -> None:
    """Resolved again after a reopening: a draft or one in review is owed again, due
    `due_within` from now, and one in review loses the approvals given so far (they were of a
    text written before this resolution); a published postmortem its severity requires goes
    back to draft (text kept, approvals withdrawn), due `due_within` from now."""
    pm = service.get_for_incident(session, incident.id)
    if pm is not None and pm.state in (DRAFT, IN_REVIEW) and incident.reopen_count > 0:
        if pm.state == IN_REVIEW:
            withdrawn = withdraw(clock, reviews_of(session, pm))
            if withdrawn:
                timeline.record(
                    session,
                    clock,
                    incident_id=pm.incident_id,
                    kind=REOPENED,
                    actor=actor,
                    payload={"state": pm.state, "approvals_withdrawn": withdrawn},
                )
        _resume(session, clock, incident, pm)
        return
    if pm is None or pm.state != PUBLISHED:
        return
    required, within = service.required_due(session, incident)
    if not required:
        return  # nothing owed: it stays as published
    was_at, was_by = pm.published_at, pm.published_by
    withdrawn = withdraw(clock, reviews_of(session, pm))
    now = clock.now()
    pm.state, pm.published_at, pm.published_by, pm.submitted_at = DRAFT, None, None, None
    pm.updated_at = now
    pm.due_at = now + (within or timedelta(0))
    reminders.plan(session, clock, pm, postmortem_settings(session))
    timeline.record(
        session,
        clock,
        incident_id=pm.incident_id,
        kind=REOPENED,
        actor=actor,
        payload={
            "state": pm.state,
            "published_at_was": _iso(was_at),
            "published_by_was": was_by,
            "approvals_withdrawn": withdrawn,
            "due_at": _iso(pm.due_at),
        },
    )
