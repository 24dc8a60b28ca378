"""The status page's logic: components and their status, publishing incidents, public reads.

Everything returned by `page_view` and the public incident functions is built from public data
only: the published record's name, components and message, the public update texts of the
comms domain, and timestamps. No incident field other than its times, status and severity key
(mapped to a public impact) is read for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog import service as catalog
from warroom.clock import Clock
from warroom.comms.public_text import check_public
from warroom.config import service as config_service
from warroom.errors import Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.statuspage import maintenance as maintenance_service
from warroom.statuspage import subscribers
from warroom.statuspage import updates as public_text
from warroom.statuspage.config import COMPONENT_STATUSES, StatusPageConfig
from warroom.statuspage.models import ComponentOverride, PublishedIncident

# The page shows the worst status among what affects a component; maintenance is worse than
# operational and better than any outage.
_RANK = {
    "operational": 0,
    "under_maintenance": 1,
    "degraded_performance": 2,
    "partial_outage": 3,
    "major_outage": 4,
}
IMPACT_OF = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
INDICATOR_TEXT = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
_INDICATOR_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}


# The first mail of a publication without a message: the incident's public state in words.
STATE_TEXT = {
    "investigating": "We are investigating.",
    "identified": "The cause has been identified and a fix is under way.",
    "monitoring": "A fix is in place and we are monitoring the results.",
    "resolved": "This incident has been resolved.",
}


@dataclass
class Component:
    key: str
    name: str
    description: str
    group: str | None
    position: int
    status: str = "operational"
    updated_at: datetime | None = None


@dataclass
class PublicIncident:
    id: int
    name: str
    status: str
    impact: str
    # What it does to its components while unresolved: the severity's `severity_status`.
    component_status: str
    components: list[str]
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: list[public_text.PublicUpdate] = field(default_factory=list)


def page_config(session: Session) -> StatusPageConfig:
    """The `status_page` section of the current config (defaults without one)."""
    raw = config_service.current_section(session, "status_page") or {}
    try:
        return StatusPageConfig.model_validate(raw)
    except ValidationError:
        # Applied before its time_zone was checked: the page must still answer, in UTC.
        return StatusPageConfig.model_validate({**raw, "time_zone": "UTC"})


def _configured_components(session: Session, cfg: StatusPageConfig) -> list[Component]:
    services = {s.key: s for s in catalog.list_services(session)}
    found: list[Component] = []
    for group in cfg.groups:
        for item in group.components:
            service = services.get(item.service)
            if service is None:
                continue
            name = item.name or service.name
            found.append(Component(item.service, name, item.description, group.name, len(found)))
    if not cfg.groups:
        for key in sorted(services):
            service = services[key]
            found.append(Component(key, service.name, "", None, len(found)))
    return found


def component_names(session: Session) -> dict[str, str]:
    """The page's components' public names by key (what an incident or a window affects)."""
    return {c.key: c.name for c in _configured_components(session, page_config(session))}


def severity_status(session: Session, cfg: StatusPageConfig, severity: str) -> str:
    """The component status an open public incident of this severity means."""
    if severity in cfg.severity_status:
        return cfg.severity_status[severity]
    known = catalog.severities_by_key(session).get(severity)
    rank = known.rank if known is not None else 9
    return ("major_outage", "partial_outage")[rank] if rank < 2 else "degraded_performance"


def _worse(a: str, b: str) -> str:
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b


def components(
    session: Session, clock: Clock, unresolved: list[PublicIncident] | None = None
) -> list[Component]:
    """Every component with its current status: override, else incidents, else maintenance."""
    cfg = page_config(session)
    found = _configured_components(session, cfg)
    by_key = {c.key: c for c in found}
    for incident in unresolved if unresolved is not None else open_incidents(session):
        status = incident_component_status(incident)
        for key in incident.components:
            if key in by_key:
                by_key[key].status = _worse(by_key[key].status, status)
                by_key[key].updated_at = incident.updated_at
    for window in maintenance_service.in_progress(session):
        for key in window.components:
            if key in by_key and by_key[key].status == "operational":
                by_key[key].status = "under_maintenance"
                by_key[key].updated_at = window.started_at
    for override in session.scalars(select(ComponentOverride)):
        if override.component in by_key:
            by_key[override.component].status = override.status
            by_key[override.component].updated_at = override.set_at
    return found


def check_components(session: Session, components: list[str]) -> None:
    """Invalid naming the first key that is no component of the page and listing the page's
    components (subscribers, webhooks, maintenance)."""
    known = [c.key for c in _configured_components(session, page_config(session))]
    for n, key in enumerate(components):
        if key not in known:
            listed = ", ".join(known) or "none"
            raise Invalid(f"unknown status page component {key!r} (the page's components: "
                          f"{listed})", field=f"components[{n}]")  # fmt: skip


def incident_component_status(incident: PublicIncident) -> str:
    """What an unresolved public incident does to its components: the status its severity is
    configured to mean (`operational` and `under_maintenance` included)."""
    return incident.component_status


def page_indicator(
    comps: list[Component], unresolved: list[PublicIncident] | None = None
) -> tuple[str, str]:
    """Statuspage's overall (indicator, description): the worst of the component statuses and
    the impact of every unresolved published incident (one without components counts too)."""
    worst = "none"
    impacts = [IMPACT_OF.get(c.status, "none") for c in comps]
    impacts += [i.impact for i in unresolved or [] if i.status != "resolved"]
    for impact in impacts:
        if _INDICATOR_RANK.get(impact, 0) > _INDICATOR_RANK[worst]:
            worst = impact
    return worst, INDICATOR_TEXT[worst]


def set_component_status(
    session: Session, clock: Clock, key: str, status: str | None, *, actor: str
) -> None:
    """Override a component's status (None: back to the derived status)."""
    known = {c.key for c in _configured_components(session, page_config(session))}
    if key not in known:
        raise NotFound(f"no status page component {key!r}", field="component")
    override = session.get(ComponentOverride, key)
    if status is None:
        if override is not None:
            session.delete(override)
        session.flush()
        return
    if status not in COMPONENT_STATUSES:
        raise Invalid(f"status must be one of {', '.join(COMPONENT_STATUSES)}", field="status")
    if override is None:
        override = ComponentOverride(component=key, status=status, set_at=clock.now(), set_by=actor)
        session.add(override)
    override.status, override.set_at, override.set_by = status, clock.now(), actor
    session.flush()


def publish(
    session: Session,
    clock: Clock,
    number: int,
    *,
    name: str,
    components: list[str] | None,
    message: str | None = None,
    actor: str,
) -> PublishedIncident:
    """Show an incident on the public page under a public name, affecting these components.
    Published again, what is given changes and what is None stays as it was (renaming keeps
    the components and the message subscribers were already sent)."""
    incident = incidents.get_incident(session, number)
    if incident.drill:
        raise Invalid(f"{incident.ref} is a drill: a drill is never shown on the public status "
                      "page", field="number")  # fmt: skip
    name = (name or "").strip()
    if not name or len(name) > 300:
        raise Invalid("a public name of 1 to 300 characters is needed", field="name")
    check_public(name, "name")
    check_public(message, "message")
    known = [c.key for c in _configured_components(session, page_config(session))]
    for key in components or []:
        if key not in known:
            listed = ", ".join(known) or "none"
            raise Invalid(f"unknown status page component {key!r} (the page's components: "
                          f"{listed})", field="components")  # fmt: skip
    now = clock.now()
    record = session.scalar(
        select(PublishedIncident).where(PublishedIncident.incident_id == incident.id)
    )
    first = record is None
    if record is None:
        record = PublishedIncident(incident_id=incident.id, published_at=now, published_by=actor)
        record.components, record.message = [], ""
        session.add(record)
    record.name, record.updated_at = name, now
    if components is not None:
        record.components = list(dict.fromkeys(components))
    if message is not None:
        record.message = message.strip()
    record.open = incidents.is_open(session, incident.id) is not None
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="statuspage:incident:published",
        actor=actor,
        payload={"status_id": record.id, "components": record.components},
    )
    if first:
        state = _public(session, record).status
        subject = record.name if state == "investigating" else f"[{state}] {record.name}"
        subscribers.announce(
            session, clock, key=f"incident:{record.id}:published", subject=subject,
            body=record.message or STATE_TEXT[state], components=list(record.components),
        )  # fmt: skip
    return record


def unpublish(session: Session, clock: Clock, number: int, *, actor: str) -> None:
    """Take an incident off the public page."""
    incident = incidents.get_incident(session, number)
    record = session.scalar(
        select(PublishedIncident).where(PublishedIncident.incident_id == incident.id)
    )
    if record is None:
        raise NotFound(f"{incident.ref} is not published", field="number")
    session.delete(record)
    session.flush()
    timeline.record(
        session, clock, incident_id=incident.id, kind="statuspage:incident:unpublished",
        actor=actor, payload={},
    )  # fmt: skip


def _public(session: Session, record: PublishedIncident) -> PublicIncident:
    incident = incidents.get_incident_by_id(session, record.incident_id)
    cfg = page_config(session)
    updates = public_text.public_updates(session, incident.id, record.id)
    if record.message:
        updates = _with_message(record, updates)
    resolved = incident.status in ("resolved", "closed")
    status = updates[-1].status if updates else "investigating"
    if resolved:
        status = "resolved"
    elif status == "resolved" and _reopened_since(incident, updates[-1].created_at):
        status = "investigating"  # it is back: the public "resolved" no longer holds
    elif status == "resolved":
        status = "monitoring"
    monitoring_at = next((u.created_at for u in updates if u.status == "monitoring"), None)
    stamps = [record.updated_at, *(u.created_at for u in updates)]
    if resolved and incident.resolved_at is not None:
        stamps.append(incident.resolved_at)
    component_status = severity_status(session, cfg, incident.severity)
    return PublicIncident(
        id=record.id,
        name=record.name,
        status=status,
        impact=IMPACT_OF[component_status],
        component_status=component_status,
        components=list(record.components),
        created_at=record.published_at,
        updated_at=max(stamps),
        monitoring_at=monitoring_at or (incident.mitigated_at if not resolved else None),
        resolved_at=incident.resolved_at if resolved else None,
        updates=updates,
    )


def _with_message(
    record: PublishedIncident, updates: list[public_text.PublicUpdate]
) -> list[public_text.PublicUpdate]:
    """The message given at publication among the public updates, in time order. Published
    after public updates were already posted, it comes after them and carries the state the
    latest of them said (it does not take the incident back to "investigating")."""
    before = [u for u in updates if u.created_at <= record.published_at]
    state = before[-1].status if before else "investigating"
    message = public_text.PublicUpdate(f"p{record.id}", state, record.message, record.published_at)
    return [*before, message, *updates[len(before) :]]


def public_incident(session: Session, status_id: int) -> PublicIncident:
    """One published incident by its public id, or NotFound."""
    record = session.get(PublishedIncident, status_id)
    if record is None:
        raise NotFound(f"no public incident {status_id}", field="id")
    return _public(session, record)


def open_incidents(session: Session) -> list[PublicIncident]:
    """Published incidents that are not resolved, newest first."""
    query = select(PublishedIncident).where(PublishedIncident.open.is_(True))
    found = [_public(session, r) for r in session.scalars(query.order_by(PublishedIncident.id))]
    return [i for i in reversed(found) if i.status != "resolved"]


def history(
    session: Session, clock: Clock, days: int | None = None, *, limit: int | None = None,
    offset: int = 0,
) -> list[PublicIncident]:  # fmt: skip
    """Published incidents of the last `days` (the page's history_days), newest first; at most
    `limit` of them after skipping `offset` (the feed, the JSON and the history's pages read a
    bounded slice: each incident costs queries, and anyone may ask)."""
    days = days if days is not None else page_config(session).history_days
    since = clock.now() - timedelta(days=days)
    return [_public(session, r) for r in _records(session, since, limit, offset)]


def _reopened_since(incident: Incident, said_at: datetime) -> bool:
    return incident.reopened_at is not None and incident.reopened_at >= said_at


def _records(
    session: Session, since: datetime | None, limit: int | None = None, offset: int = 0
) -> list[PublishedIncident]:
    query = select(PublishedIncident).order_by(
        PublishedIncident.published_at.desc(), PublishedIncident.id.desc()
    )
    if since is not None:
        query = query.where(PublishedIncident.published_at >= since)
    return list(session.scalars(query.offset(offset).limit(limit)))
