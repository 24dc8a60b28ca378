"""What the incident page shows, gathered from the domains' services (read only).

Each function returns one section's data; `incident_page` puts them together. Nothing here
writes: the page's forms post to `forms_incident*.py`, which call the same services the API does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom.actions import service as actions
from warroom.actions.models import AWAITING_APPROVAL, SUCCEEDED
from warroom.actions.schemas import ActionOut, RunOut
from warroom.audit import service as timeline
from warroom.catalog import service as catalog
from warroom.comms import brief
from warroom.comms import service as comms
from warroom.comms.models import STATES as UPDATE_STATES
from warroom.errors import NotFound
from warroom.evidence import service as evidence
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.present import incident_detail
from warroom.incidents.schemas import IncidentDetail
from warroom.incidents.work import HYPOTHESIS_STATUSES
from warroom.intake import service as intake
from warroom.intake.alert_incidents import open_counts
from warroom.paging import service as paging
from warroom.paging.escalation import Policy, ladder, plan
from warroom.principal import Principal
from warroom.runbooks import present as runbook_present
from warroom.runbooks import service as runbooks
from warroom.settings import Settings

TIMELINE_SHOWN = 100
ALERTS_SHOWN = 20  # of each kind, open and resolved; the alerts page lists them all
# The roles the page offers to take with one button (the rest through the assign form).
MAIN_ROLES = ("incident_commander", "scribe", "communications_lead")


@dataclass(frozen=True)
class Upcoming:
    """A page that will go out unless someone acts: what, when, to whom."""

    what: str
    at: datetime
    targets: list[str]


def detail(session: Session, incident: Incident, now: datetime) -> IncidentDetail:
    """The incident as the API shows it: due times, allowed actions, roles, page deliveries."""
    return incident_detail(
        session, incident, catalog.severities_by_key(session).get(incident.severity), now
    )


def timeline_events(session: Session, incident: Incident, after_seq: int = 0) -> list[Any]:
    """The newest events (newest first); with after_seq, only the ones recorded after it."""
    if after_seq <= 0:
        rows, _ = timeline.timeline_rows(
            session, incident_id=incident.id, limit=TIMELINE_SHOWN, newest_first=True
        )
        return rows
    from warroom.audit.pagination import encode_cursor

    rows, _ = timeline.timeline_rows(
        session, incident_id=incident.id, cursor=encode_cursor(seq=after_seq), limit=TIMELINE_SHOWN
    )
    return list(reversed(rows))


def alert_section(session: Session, incident: Incident) -> dict[str, Any]:
    """What is firing: the incident's open alerts (newest first), then the newest resolved
    ones, with the number still open and whether more are linked than shown."""
    open_ = intake.list_alerts(
        session, status="open", incident_id=incident.id, limit=ALERTS_SHOWN + 1
    )
    resolved = intake.list_alerts(
        session, status="resolved", incident_id=incident.id, limit=ALERTS_SHOWN + 1
    )
    return {
        "shown": open_[:ALERTS_SHOWN] + resolved[:ALERTS_SHOWN],
        "open": open_counts(session, {incident.id})[incident.id],
        "resolved": len(resolved[:ALERTS_SHOWN]),
        "more": len(open_) > ALERTS_SHOWN or len(resolved) > ALERTS_SHOWN,
    }


def older_events(session: Session, incident: Incident, before: int) -> tuple[list[Any], int | None]:
    """A page of the events before seq `before` (newest first), and where the next page
    starts (None when these reach the first event)."""
    from warroom.audit.pagination import encode_cursor

    rows, more = timeline.timeline_rows(
        session,
        incident_id=incident.id,
        cursor=encode_cursor(seq=before),
        limit=TIMELINE_SHOWN,
        newest_first=True,
    )
    return rows, (int(rows[-1].seq) if more and rows else None)


def action_section(session: Session, incident: Incident, me: Principal) -> dict[str, Any]:
    """The actions one may request, the runs so far and what `me` may do with each."""
    runs = [
        RunOut.of(r, actions.public_view(r), incident.number)
        for r in actions.list_runs(session, incident.id)
    ]
    approvable = {
        r.id
        for r in runs
        if r.state == AWAITING_APPROVAL and r.requested_by.lower() != me.email.lower()
    }
    revertable = {
        r.id
        for r in runs
        if r.state == SUCCEEDED and not r.dry_run and r.reversible and r.reverted_at is None
    }
    return {
        "definitions": [ActionOut.of(d) for d in actions.list_definitions(session)],
        "runs": runs,
        "approvable": approvable,
        "revertable": revertable,
    }


def runbook_section(session: Session, incident: Incident) -> dict[str, Any]:
    """The attached checklists with their steps, and the runbooks one may still attach."""
    attached = runbook_present.incident_runbooks(session, incident.id)
    have = {r.runbook for r in attached.runs}
    return {
        "runs": attached.runs,
        "links": attached.links,
        "available": [r for r in runbooks.list_runbooks(session) if r.key not in have],
    }


def _escalation(session: Session, number: int) -> Any:
    try:
        return paging.escalation_of(session, number)
    except NotFound:
        return None


def upcoming_pages(incident: Incident, escalation: Any) -> list[Upcoming]:
    """The next escalation level (while unacknowledged) and the next unresolved-ladder rung."""
    if escalation is None or incident.status in ("resolved", "closed"):
        return []
    found: list[Upcoming] = []
    if escalation.state == "escalating" and incident.status == "triggered":
        steps = plan(Policy.from_snapshot(escalation.policy or {}))
        here = (escalation.level, escalation.round)
        index = next((i for i, s in enumerate(steps) if (s.level, s.round) == here), None)
        if index is not None and index + 1 < len(steps):
            step = steps[index + 1]
            at = escalation.started_at + timedelta(seconds=step.at_s)
            found.append(Upcoming(f"escalation to level {step.level + 1}", at, list(step.targets)))
    fired = {int(i) for i in escalation.ladder_fired or []}
    rungs = [r for r in ladder(escalation.ladder or []) if r.index not in fired]
    if rungs:
        at = escalation.started_at + timedelta(seconds=rungs[0].after_s)
        found.append(Upcoming("page while unresolved", at, list(rungs[0].targets)))
    return found


def paging_section(session: Session, incident: Incident, info: IncidentDetail) -> dict[str, Any]:
    """Who was paged and why, each delivery with the provider's answer, what comes next."""
    escalation = _escalation(session, incident.number)
    return {
        "pages": paging.pages_of(session, incident.number),
        "deliveries": info.pages,
        "unpaged": info.unpaged,
        "escalation": escalation,
        "levels": len((escalation.policy or {}).get("levels") or []) if escalation else 0,
        "upcoming": upcoming_pages(incident, escalation),
    }


def comms_section(session: Session, incident: Incident) -> dict[str, Any]:
    """The status updates so far (newest first), the cadence, the brief."""
    record = comms.cadence_record(session, incident.id)
    updates = list(reversed(comms.list_updates(session, incident.id)))
    return {
        "updates": updates,
        "unreached": {u.id: comms.unreached_warning(u, incident) for u in updates},
        "cadence": record.rows,
        "on_time": record.on_time,
        "states": UPDATE_STATES,
        "brief": brief.render(session, incident),
    }


def work_section(session: Session, incident: Incident) -> dict[str, Any]:
    """Hypotheses and tasks, each open one whose owner or assignee can no longer work it
    (made a viewer, deactivated, off a private incident's roles) flagged with why, as the API's
    owner_cannot_work / assignee_cannot_work say."""
    hypotheses = incidents.list_hypotheses(session, incident)
    tasks = incidents.list_tasks(session, incident)
    live = [h for h in hypotheses if h.status not in incidents.CONCLUDED]
    open_tasks = [t for t in tasks if not t.done]
    reasons = incidents.cannot_work(
        session, incident, [h.owner for h in live] + [t.assignee for t in open_tasks]
    )
    return {
        "hypotheses": hypotheses,
        "hypothesis_statuses": HYPOTHESIS_STATUSES,
        "concluded": incidents.CONCLUDED,
        "tasks": tasks,
        "owner_cannot_work": {h.id: reasons[h.owner] for h in live if h.owner in reasons},
        "assignee_cannot_work": {
            t.id: reasons[t.assignee] for t in open_tasks if t.assignee in reasons
        },
    }


def incident_page(
    session: Session, incident: Incident, me: Principal, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Everything the incident page shows."""
    info = detail(session, incident, now)
    severities = sorted(catalog.list_severities(session), key=lambda s: s.rank)
    events = timeline_events(session, incident)
    return {
        "incident": incident,
        "info": info,
        "can_act": me.allows("responder"),
        "severities": severities,
        "roles": info.roles,
        "role_names": incidents.ROLES,
        "main_roles": MAIN_ROLES,
        "my_roles": {r.role for r in info.roles if r.user_email == me.email.lower()},
        "alerts": alert_section(session, incident),
        "events": events,
        "last_seq": max((e.seq for e in events), default=0),
        # The oldest event shown, when there may be older ones.
        "older": min(e.seq for e in events) if len(events) >= TIMELINE_SHOWN else None,
        **work_section(session, incident),
        "evidence": evidence.list_evidence(session, incident),
        "evidence_limit": settings.evidence_max_bytes,
        "runbooks": runbook_section(session, incident),
        "actions": action_section(session, incident, me),
        "paging": paging_section(session, incident, info),
        "comms": comms_section(session, incident),
    }
