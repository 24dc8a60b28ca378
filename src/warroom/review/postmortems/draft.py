"""What a postmortem draft is made of: the incident's facts, gathered for the template.

Everything here reads; nothing is written. Times are UTC and shown to the minute; each response
time is measured from when the incident was detected (opened) and compared with its severity's
target (`acknowledge_within`, `respond_within`, `resolve_within`).
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, not_, or_, select
from sqlalchemy.orm import Session

from warroom.actions import service as actions
from warroom.audit import service as timeline
from warroom.audit.models import TimelineEvent
from warroom.catalog import service as catalog
from warroom.catalog.models import Severity
from warroom.clock import utc
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident

TO_FILL = "_To fill in._"
UNKNOWN = "_Unknown: to fill in._"
# Events of the postmortem itself and of starring are no part of the incident's story.
LEFT_OUT = ("review:", "incident:event:")
# What the story is made of, listed however noisy the incident: its lifecycle, severity, roles,
# notes, hypotheses and tasks (incident:*), status updates, actions, the status page, re-fires and
# escalations by hand, and every starred event.
KEY = (
    "incident:",
    "comms:update:",
    "action:",
    "statuspage:",
    "intake:incident:",
    "paging:escalation:manual",
    "paging:incident:unpaged",
)
# Of the routine rest (alerts, pages, notifications, reminders, checklist steps), the first
# MAX_EVENTS are listed; the draft says how many more there are.
MAX_EVENTS = 500


def when(value: datetime | None) -> str:
    """A time as the report shows it."""
    return "" if value is None else utc(value).strftime("%Y-%m-%d %H:%M UTC")


def span(delta: timedelta | None) -> str:
    """A duration in words: 1d 2h 5m 30s (zero parts left out)."""
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0s"


def _time_row(
    name: str, at: datetime | None, start: datetime, target_s: int | None
) -> dict[str, Any]:
    after = None if at is None else utc(at) - start
    target = None if target_s is None else timedelta(seconds=target_s)
    if target is None:
        met = "no target"
    elif after is None:
        met = "no (never)"
    else:
        met = "yes" if after <= target else "no"
    return {
        "name": name,
        "at": when(at) or "never",
        "after": span(after) if after is not None else "",
        "target": span(target) if target is not None else "",
        "met": met,
    }


# The moves that end a wait for an acknowledgement, and the one that starts a new wait (a
# re-fire reopens the incident to `triggered` and pages again from level 1).
ENDS_ACK_WAIT = ("acknowledged", "mitigated", "resolved")
REOPENED = "incident:status:reopened"


def ack_waits(session: Session, incident: Incident) -> tuple[datetime, timedelta]:
    """When the wait the acknowledgement ended began (the opening, or the last re-fire before
    it) and the longest wait for an acknowledgement before it (as the analytics count them)."""
    start, ack = utc(incident.opened_at), incident.acknowledged_at
    if incident.reopen_count == 0:
        ended = ack or incident.mitigated_at or incident.resolved_at
        return start, (utc(ended) - start) if ended is not None else timedelta(0)
    kinds = [REOPENED, *(f"incident:status:{move}" for move in ENDS_ACK_WAIT)]
    waiting_since: datetime | None = start
    longest = timedelta(0)
    for event in timeline.events_since(session, incident_id=incident.id, kinds=kinds):
        at = utc(event.occurred_at)
        if event.kind == REOPENED:
            if (event.payload or {}).get("to") == "triggered":
                waiting_since = waiting_since or at
        elif waiting_since is not None:
            longest = max(longest, at - waiting_since)
            if event.kind.endswith(":acknowledged"):
                return waiting_since, longest
            waiting_since = None
    return start, longest


def _ack_row(
    incident: Incident, waits: tuple[datetime, timedelta], target_s: int | None
) -> dict[str, Any]:
    start = utc(incident.opened_at)
    row = _time_row("Acknowledged", incident.acknowledged_at, start, target_s)
    begun, longest = waits
    if target_s is None:
        return row
    ended = incident.mitigated_at or incident.resolved_at
    if incident.acknowledged_at is None and ended is not None:
        # It can no longer be acknowledged: owed none when it ended within the target.
        within = longest <= timedelta(seconds=target_s)
        row["met"] = "not owed (ended within the target)" if within else "no (never)"
        return row
    if incident.reopen_count == 0:
        return row
    if incident.acknowledged_at is not None:
        row["met"] = "yes" if longest <= timedelta(seconds=target_s) else "no"
        if begun != start:
            row["met"] += f" ({span(utc(incident.acknowledged_at) - begun)} after the re-fire)"
    return row


def response_times(
    incident: Incident,
    severity: Severity | None,
    waits: tuple[datetime, timedelta] | None = None,
) -> list[dict[str, Any]]:
    """Detected, acknowledged, responded, mitigated, resolved: each with target and outcome.
    `waits` (`ack_waits`): a reopened incident's acknowledgement is judged by its waits."""
    start = utc(incident.opened_at)

    def target(name: str) -> int | None:
        return None if severity is None else getattr(severity, name)

    ack_waited = waits or (start, timedelta(0))
    # Resolved without being marked mitigated: its impact ended then at the latest, as MTTM
    # counts it (docs/review.md).
    mitigated = _time_row("Mitigated", incident.mitigated_at or incident.resolved_at, start, None)
    if incident.mitigated_at is None and incident.resolved_at is not None:
        mitigated["at"] += " (when resolved: never marked mitigated)"
    return [
        {"name": "Detected", "at": when(start), "after": "0s", "target": "", "met": "no target"},
        _ack_row(incident, ack_waited, target("ack_within_s")),
        _time_row("Responded", incident.responded_at, start, target("respond_within_s")),
        mitigated,
        _time_row("Resolved", incident.resolved_at, start, target("resolve_within_s")),
    ]


def describe(kind: str, payload: dict[str, Any]) -> str:
    """One line saying what a timeline event was: the sentence every screen shows, texts whole."""
    return timeline.sentence(kind, payload, whole=True)


def _row(event: TimelineEvent, start: datetime) -> dict[str, Any]:
    at = utc(event.occurred_at)
    return {
        "seq": event.seq,
        "time": when(at),
        "offset": "T+" + span(at - start),
        "actor": event.actor,
        "kind": event.kind,
        "what": describe(event.kind, dict(event.payload or {})),
        "starred": event.starred,
    }


def _starts(prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(TimelineEvent.kind.startswith(p, autoescape=True) for p in prefixes))


def timeline_rows(session: Session, incident: Incident) -> tuple[list[dict[str, Any]], int]:
    """The incident's events (its own story, oldest first) and how many routine ones were left
    off: every key event (`KEY`, starred) and the first `MAX_EVENTS` routine ones."""
    start = utc(incident.opened_at)
    story = (TimelineEvent.chain == timeline.chain_of(incident.id), not_(_starts(LEFT_OUT)))
    key = or_(TimelineEvent.starred.is_(True), _starts(KEY))
    ordered = select(TimelineEvent).order_by(TimelineEvent.seq)
    events = list(session.scalars(ordered.where(*story, key)))
    routine = list(session.scalars(ordered.where(*story, not_(key)).limit(MAX_EVENTS)))
    left_off = 0
    if len(routine) == MAX_EVENTS:
        total = session.scalar(select(func.count(TimelineEvent.seq)).where(*story, not_(key)))
        left_off = int(total or 0) - MAX_EVENTS
    rows = [_row(e, start) for e in sorted(events + routine, key=lambda e: e.seq)]
    return rows, left_off


def starred_rows(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """The starred events, oldest first: they lead the timeline."""
    start = utc(incident.opened_at)
    events = session.scalars(
        select(TimelineEvent)
        .where(
            TimelineEvent.chain == timeline.chain_of(incident.id),
            TimelineEvent.starred.is_(True),
        )
        .order_by(TimelineEvent.seq)
    )
    return [_row(e, start) for e in events]


def action_rows(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Mitigations and other actions run on the incident, oldest first."""
    rows = []
    for run in reversed(actions.list_runs(session, incident.id)):
        rows.append(
            {
                "title": run.title,
                "key": run.action_key,
                "state": run.state + (" (dry run)" if run.dry_run else ""),
                "requested_by": run.requested_by,
                "at": when(run.started_at or run.requested_at),
                "reverted": when(run.reverted_at) or ("undo" if run.undo_of_id else ""),
            }
        )
    return rows


def hypothesis_rows(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Every hypothesis with its outcome."""
    return [
        {"text": h.text, "status": h.status.replace("_", " "), "owner": h.owner or ""}
        for h in incidents.list_hypotheses(session, incident)
    ]


def action_item_rows(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """The incident's action items, when the action items part of the review is installed."""
    try:
        items = importlib.import_module("warroom.review.action_items.service")
    except ImportError:
        return []
    lister = getattr(items, "list_for_incident", None)
    if lister is None:
        return []
    rows = []
    for item in lister(session, incident.id):
        rows.append(
            {
                "title": getattr(item, "title", ""),
                "owner": getattr(item, "owner", "") or "",
                "due": when(getattr(item, "due_at", None)),
                "status": getattr(item, "status", ""),
                "priority": getattr(item, "priority", "") or "",
            }
        )
    return rows


def _yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value else UNKNOWN


def impact_of(incident: Incident) -> dict[str, str]:
    """Users, services, data loss and duration, from the incident; placeholders where unknown."""
    impact = dict(incident.impact or {})
    affected = ", ".join(str(a) for a in impact.get("affected") or [])
    duration = None
    if incident.resolved_at is not None:
        duration = utc(incident.resolved_at) - utc(incident.opened_at)
    return {
        "users": affected or UNKNOWN,
        "scope": str(impact.get("scope") or "") or UNKNOWN,
        "customer_facing": _yes_no(impact.get("customer_facing")),
        "services": ", ".join(incident.service_keys) or UNKNOWN,
        "data_loss": {"yes": "yes", "no": "no"}.get(str(impact.get("data_loss")), UNKNOWN),
        "duration": span(duration) or UNKNOWN,
    }


def context(
    session: Session, incident: Incident, *, author: str | None, due_at: datetime | None
) -> dict[str, Any]:
    """Everything the report template may use."""
    severity = catalog.severities_by_key(session).get(incident.severity)
    events, left_off = timeline_rows(session, incident)
    roles = [
        {"role": r.role.replace("_", " "), "person": r.user_email}
        for r in incidents.current_roles(session, incident)
    ]
    return {
        "ref": incident.ref,
        "number": incident.number,
        "title": incident.title,
        "summary": incident.summary or "",
        "severity": incident.severity,
        "severity_name": severity.name if severity is not None else incident.severity,
        "drill": incident.drill,
        "date": utc(incident.opened_at).strftime("%Y-%m-%d"),
        "started": when(incident.opened_at),
        "ended": when(incident.resolved_at),
        "duration": impact_of(incident)["duration"],
        "author": author or "",
        "due": when(due_at),
        "services": incident.service_keys,
        "roles": roles,
        "impact": impact_of(incident),
        "times": response_times(incident, severity, ack_waits(session, incident)),
        "starred": starred_rows(session, incident),
        "timeline": events,
        "timeline_left_off": left_off,
        "actions": action_rows(session, incident),
        "hypotheses": hypothesis_rows(session, incident),
        "action_items": action_item_rows(session, incident),
        "to_fill": TO_FILL,
    }
