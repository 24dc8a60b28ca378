"""What intake tells incidents besides alerts: PagerDuty Change Events (a deploy, a config
change) on the timeline of the affected service's open incidents, and the alerts a sender left
out of a webhook (`truncatedAlerts`). Nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.errors import Invalid
from warroom.incidents import service as incidents
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.intake.schemas import keep_web_links, obj, parse_iso_time, text_field
from warroom.redaction import hidden_values, mask_details, scrub_known, scrub_value

MAX_INCIDENTS = 50  # open incidents of one service told about one change


@dataclass
class ChangeEvent:
    """One PagerDuty change event, validated."""

    summary: str
    source: str
    timestamp: str | None
    custom_details: dict[str, Any]
    links: list[dict[str, str]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)


def parse_change(body: Any) -> ChangeEvent:
    """Validate a `POST /v2/change/enqueue` body (routing_key is checked by the caller)."""
    data = obj(body, "body")
    payload = obj(data.get("payload"), "payload")
    summary = text_field(payload.get("summary"), "payload.summary", max_len=1024)
    source = text_field(payload.get("source"), "payload.source", required=False, max_len=1024)
    # ISO 8601 as for a trigger (a script's datetime.utcnow().isoformat() has no offset), but
    # refused when unreadable: a change has no alert to keep, and its time is what it says.
    when = parse_iso_time(payload.get("timestamp"), "payload.timestamp")
    details = obj(payload.get("custom_details"), "payload.custom_details", required=False)
    # Shown on timelines: credentials masked, and a secret-named detail's value masked where
    # the summary or a link repeats it. The source stays as sent here (it may name the service,
    # see `service_of_change`) and is masked where it is recorded.
    hidden = hidden_values(details)
    details = mask_details(details)
    summary = scrub_known(summary, hidden)
    links = data.get("links")
    if links is not None and not isinstance(links, list):
        raise Invalid("links must be an array", field="links")
    candidates: list[tuple[Any, str]] = []
    for i, item in enumerate(links or []):
        link = obj(item, f"links[{i}]")
        href = text_field(link.get("href"), f"links[{i}].href", max_len=4096)
        text = text_field(link.get("text"), f"links[{i}].text", required=False, max_len=1024)
        candidates.append((scrub_known(href, hidden), text))
    notes: dict[str, Any] = {}
    kept = keep_web_links(candidates, notes)
    stamp = when.isoformat() if when else None
    return ChangeEvent(summary, source, stamp, details, kept, notes)


def service_of_change(session: Session, integration: str, change: ChangeEvent) -> str | None:
    """The service a change belongs to: the integration's `service`, else a service key named
    by custom_details.service or by the change's source."""
    doc = config_service.current_document(session)
    for item in doc.get("integrations") or []:
        if item.get("key") == integration and item.get("service"):
            return str(item["service"])
    known = {str(s["key"]) for s in doc.get("services") or []}
    for candidate in (change.custom_details.get("service"), change.source):
        if isinstance(candidate, str) and candidate in known:
            return candidate
    return None


def record_change(
    session: Session, clock: Clock, integration: str, change: ChangeEvent
) -> list[int]:
    """Store the change on the global timeline and on every open incident of its service;
    returns the numbers of the incidents told."""
    service = service_of_change(session, integration, change)
    payload: dict[str, Any] = {
        "summary": change.summary,
        "source": scrub_value(change.source),
        "timestamp": change.timestamp,
        "service": service,
        "integration": integration,
        "custom_details": change.custom_details,
        "links": change.links,
        **change.notes,
    }
    actor = f"intake:{integration}"
    kind = "intake:change:received"
    found: list[Any] = []
    if service is not None:
        found, _ = incidents.list_incidents(
            session, status=list(OPEN_STATUSES), service=service, limit=MAX_INCIDENTS
        )
    # Lock order (docs/dev/engine.md): the incident rows by id before their chain heads, the
    # global timeline's head last. Writing a head without its row deadlocks with a request
    # that holds the rows and records on them in another order.
    incidents.lock_rows(session, [incident.id for incident in found])
    for incident in sorted(found, key=lambda i: i.id):
        timeline.record(
            session, clock, incident_id=incident.id, kind=kind, actor=actor, payload=payload
        )
    timeline.record(session, clock, incident_id=None, kind=kind, actor=actor, payload=payload)
    return [incident.number for incident in found]


def truncated_count(body: dict[str, Any]) -> int:
    """`truncatedAlerts` of an Alertmanager or Grafana webhook (0 when absent)."""
    value = body.get("truncatedAlerts", 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise Invalid("truncatedAlerts must be a whole number >= 0", field="truncatedAlerts")
    return value


def record_truncated(
    session: Session,
    clock: Clock,
    integration: str,
    numbers: list[int],
    truncated: int,
    group_key: str | None,
) -> None:
    """Say on each incident the webhook touched that the sender left `truncated` alerts out."""
    payload = {"truncated_alerts": truncated, "integration": integration, "group_key": group_key}
    for number in numbers:
        incident = incidents.get_incident(session, number)
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="intake:alerts:truncated",
            actor=f"intake:{integration}",
            payload=payload,
        )
