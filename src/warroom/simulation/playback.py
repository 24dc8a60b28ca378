"""Read back what a simulated incident did: its timeline and its outbox, as rows.

The timeline says why (which escalation level or ladder rung fired, whom a target meant,
nobody to page, the responders' actions); the outbox says when each notification left and
through which contact method. A page's messages follow the level or rung whose event came
just before the page on the timeline: both are written by the same job.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.errors import NotFound
from warroom.simulation.schemas import DueRow, PageRow, Scenario, SimulationResult

ACTIONS = {
    "incident:status:acknowledged": "ack",
    "incident:status:mitigated": "mitigate",
    "incident:status:resolved": "resolve",
}


def duration(seconds: float) -> str:
    """45s, 5m, 1h, 1h30m."""
    seconds = int(seconds)
    if seconds % 60:
        return f"{seconds}s"
    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return f"{hours}h{minutes}m"
    return f"{hours}h" if hours else f"{minutes}m"


def events_of(session: Session, incident_id: int) -> list[Any]:
    """Every timeline event of an incident, oldest first."""
    rows: list[Any] = []
    cursor = None
    while True:
        page, cursor = timeline.timeline_rows(
            session, incident_id=incident_id, cursor=cursor, limit=timeline.MAX_PAGE
        )
        rows += page
        if cursor is None:
            return rows


def first_paged(session: Session, incident_id: int) -> str | None:
    """The first person paged for the incident (who acknowledges when nobody is named)."""
    for event in events_of(session, incident_id):
        if event.kind == "paging:page:queued" and event.payload.get("user"):
            return str(event.payload["user"])
    return None


def _step(event: Any) -> str | None:
    payload = event.payload
    if event.kind == "paging:escalation:triggered":
        label = f"level {payload.get('level')}"
        return label + (f" (repeat {payload['round']})" if payload.get("round") else "")
    if event.kind == "paging:escalation:unresolved":
        after = payload.get("after_s", 0)
        return f"unresolved {duration(after)}" if after else "unresolved at once"
    return None


class _Reader:
    def __init__(self, start: datetime, zone: tzinfo | None) -> None:
        self.start = start
        self.zone = zone
        self.rows: list[PageRow] = []
        self.pages: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.warnings: list[str] = []

    def row(self, kind: str, at: datetime, who: str, **fields: str) -> None:
        minute = round((at - self.start).total_seconds() / 60, 2)
        self.rows.append(
            PageRow(kind=kind, minute=minute, at=at.astimezone(self.zone), who=who, **fields)
        )

    def read_events(self, events: list[Any]) -> None:
        step = ""
        for event in events:
            step = _step(event) or step
            payload = event.payload
            if event.kind == "paging:page:queued":
                self._queued(payload, step)
            elif event.kind == "paging:page:nobody":
                targets = ", ".join(payload.get("targets") or [])
                self.row(
                    "nobody",
                    event.occurred_at,
                    "(nobody)",
                    step=step,
                    why=f"{targets}: nobody to page",
                )
            elif event.kind == "paging:incident:unpaged":
                self.warnings.append(str(payload.get("message") or payload.get("reason")))
                self.row("unpaged", event.occurred_at, "(nobody)", why=self.warnings[-1])
            elif event.kind in ACTIONS:
                self.row("action", event.occurred_at, event.actor, step=ACTIONS[event.kind])

    def _queued(self, payload: dict[str, Any], step: str) -> None:
        who = payload.get("user") or f"channel:{payload.get('channel')}"
        page = {
            **payload,
            "who": who,
            "step": step if payload.get("reason") != "manual" else "manual",
        }
        if payload.get("page_id") is not None:  # a person's page: messages name it
            self.pages[int(payload["page_id"])] = page
        if payload.get("message_id") is not None:  # a channel's page is one message
            self.messages[int(payload["message_id"])] = page

    def read_messages(self, messages: list[Any]) -> None:
        from warroom.notify import service as notify

        for message in messages:
            page = self.messages.get(message.id) or self.pages.get(message.page_id or 0, {})
            why = str(page.get("target") or message.purpose)
            rule = _rule_of(message.idempotency_key, page.get("rules") or [])
            if rule:
                why += f", {rule}"
            name, kind = notify.channel_of(message), notify.channel_kind(message.scheme)
            who = str(page.get("who") or message.purpose)
            contact = kind if name in (kind, who) else f"{name} ({kind})"
            self.row(
                "page",
                message.created_at,
                who,
                contact=contact,
                step=str(page.get("step", "")),
                why=why,
            )


def _rule_of(key: str, rules: list[dict[str, Any]]) -> str:
    """'rule 2 at +2m' for a person's later notification rule, '' for the first or a failover."""
    parts = key.split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        return "failover" if ":failover:" in key else ""
    n = int(parts[2])
    if n == 0 or n >= len(rules):
        return ""
    return f"rule {n + 1} at +{duration(rules[n].get('after_s', 0))}"


def _outcome(due: datetime | None, done: datetime | None, end: datetime) -> str:
    if due is None:
        return "none"
    if done is not None:
        return "met" if done <= due else "missed"
    return "missed" if due <= end else "pending"


def _first(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def due_rows(session: Session, incident: Any, end: datetime, zone: tzinfo | None) -> list[DueRow]:
    """Acknowledge, respond (met by mitigation) and resolve targets, met or missed by `end`."""
    from warroom.catalog import service as catalog
    from warroom.incidents.present import due_times

    severity = catalog.severities_by_key(session).get(incident.severity)
    due = due_times(incident, severity, end, {})  # the update cadence is not a target here
    done = {
        "acknowledge": _first(
            incident.acknowledged_at, incident.mitigated_at, incident.resolved_at
        ),
        "respond": _first(incident.mitigated_at, incident.resolved_at),
        "resolve": incident.resolved_at,
    }
    rows = []
    for target, at in (
        ("acknowledge", due.acknowledge_by),
        ("respond", due.respond_by),
        ("resolve", due.resolve_by),
    ):
        finished = done[target]
        rows.append(
            DueRow(
                target=target,
                due_at=at.astimezone(zone) if at else None,
                done_at=finished.astimezone(zone) if finished else None,
                outcome=_outcome(at, finished, end),
            )
        )
    return rows


def result(
    session: Session, clock: FakeClock, scenario: Scenario, number: int, route: str | None
) -> SimulationResult:
    """The playback of incident `number` from the scenario's start to the clock's now."""
    from warroom.incidents import service as incidents
    from warroom.notify import service as notify
    from warroom.paging import service as paging

    incident = incidents.get_incident(session, number)
    zone = scenario.start.tzinfo
    reader = _Reader(scenario.start, zone)
    reader.read_events(events_of(session, incident.id))
    messages = notify.list_messages(session, incident_id=incident.id, limit=1000)
    reader.read_messages([m for m in reversed(messages) if m.purpose.startswith("page")])
    order = {"action": 0, "unpaged": 1, "nobody": 2, "page": 3}
    rows = sorted(reader.rows, key=lambda r: (r.minute, order[r.kind]))
    try:
        policy = paging.escalation_of(session, number).policy_key
    except NotFound:  # paging never planned it
        policy = None
    end = clock.now()
    return SimulationResult(
        incident=incident.ref,
        severity=incident.severity,
        services=list(incident.service_keys),
        policy=policy,
        route=route,
        start=scenario.start,
        end=end.astimezone(zone),
        time_zone=_zone_name(scenario.start),
        status=incident.status,
        rows=rows,
        due=due_rows(session, incident, end, zone),
        warnings=reader.warnings,
    )


def _zone_name(start: datetime) -> str:
    key = getattr(start.tzinfo, "key", None)
    return str(key) if key else (start.strftime("UTC%z") if start.utcoffset() else "UTC")
