"""The initial and the resolution notification of an incident, to its internal channels; when
its severity is raised, the initial one to the new severity's channels that have not had it;
when it is reopened (by hand, or by its alert firing again), the initial one again, to all.

Every incident gets both, whatever its severity: channels are opted into explicitly (the
severity's, the services' and their teams'); one without any sends nothing and leaves the
timeline alone (a sent notification is recorded as `comms:initial:sent` /
`comms:resolution:sent` with the channels reached). They are sent by an engine job queued
by the incident's event, never in the transaction that opened or resolved it (the alert
intake stays short).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom import memo
from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.comms import reach
from warroom.comms.config import comms_settings, template_set
from warroom.comms.templates import context_of, when
from warroom.config import service as config_service
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.events import DomainEvent, Handler
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident

KIND = "comms.announce"
ACTOR = "warroom:comms"
TITLES = {"initial": "declared", "raised": "raised", "reopened": "reopened",
          "resolution": "resolved"}  # fmt: skip
# Templates sent to the channels not yet told (the others go to all of them).
TO_NEW_CHANNELS = ("initial", "raised")
ANNOUNCED = [f"comms:{t}:sent" for t in (*TO_NEW_CHANNELS, "reopened")]


def _context(incident: Incident, public_url: str) -> dict[str, object]:
    impact = incident.impact or {}
    return context_of(
        url=incident.page_url(public_url),
        ref=incident.ref,
        number=incident.number,
        title=incident.title,
        summary=incident.summary,
        severity=incident.severity,
        status=incident.status,
        start_time=when(incident.opened_at),
        resolved_time=when(incident.resolved_at),
        affected_systems=incident.service_keys,
        impact=str(impact.get("description") or ""),
        root_cause=str(impact.get("root_cause") or ""),
        prevention=str(impact.get("prevention") or ""),
    )


@handler(KIND, batch=True)  # database only (messages are queued): several share a transaction
def announce(ctx: JobContext, job: Job) -> None:
    """Send the `initial` or `resolution` template to the incident's internal channels; on a
    raised severity (`raised`), the `initial` one to the channels that have not had it (those
    of the new severity); on a reopening (`reopened`), the `initial` one to all of them."""
    memo.enable(ctx.session)  # the jobs of a chunk share the configuration they read
    template = str(job.payload["template"])
    # The incident's lock first (docs/dev/engine.md): a declaration and a raise running at
    # once on two workers take turns, and the second sees the rooms the first told.
    incident = incidents.lock_by_id(ctx.session, int(job.payload["incident_id"]))
    if incident is None:
        return  # no such incident any more: nothing to tell
    if template != "resolution" and incident.status in ("resolved", "closed"):
        return  # resolved before the job ran: the resolution notification tells it all
    session, clock = ctx.session, ctx.clock
    keys = reach.channel_keys(session, incident, comms_settings(session))
    if template in TO_NEW_CHANNELS:
        told = _announced(session, incident)
        keys = [k for k in keys if f"channel:{k}" not in told]
    title = f"[{incident.severity}] {incident.ref} {TITLES[template]}: {incident.title}"
    body = template_set(session).render(
        "resolution" if template == "resolution" else "initial",
        _context(incident, ctx.settings.public_url),
    )
    reached = reach.send(
        session, clock, ctx.settings.smtp_url, incident, [f"channel:{k}" for k in keys],
        (title, body),
        key=f"comms:{template}:{job.id}", purpose=f"comms:{template}",
    )  # fmt: skip
    if not reached:
        return  # no channel configured for it: nothing to say on the incident's timeline
    timeline.record(
        session, clock, incident_id=incident.id, kind=f"comms:{template}:sent",
        actor=ACTOR, payload={"template": template, "channels": reached},
    )  # fmt: skip


def _announced(session: Session, incident: Incident) -> set[str]:
    """The channels (`channel:KEY`) that have had the incident's declaration."""
    events = timeline.events_since(session, incident_id=incident.id, kinds=ANNOUNCED)
    return {str(c) for e in events for c in (e.payload or {}).get("channels", [])}


def _queue(session: Session, clock: Clock, event: DomainEvent, template: str) -> None:
    if event.incident_id is None:
        return
    if not config_service.current_document(session).get("channels"):
        return  # no channel is configured: the announcement would reach nobody
    payload = {"incident_id": event.incident_id, "template": template}
    if template == "initial":  # the incident was opened by this transaction: a new key,
        # so the job is inserted with the opening's other jobs (no look-up, one round trip)
        key = f"{KIND}:{event.incident_id}:initial"
        engine.enqueue(session, clock, KIND, payload, dedup_key=key,
                       incident_id=event.incident_id, new_key=True)  # fmt: skip
        return
    engine.enqueue(session, clock, KIND, payload, incident_id=event.incident_id)


def _on_opened(session: Session, clock: Clock, event: DomainEvent) -> None:
    _queue(session, clock, event, "initial")


def _on_raised(session: Session, clock: Clock, event: DomainEvent) -> None:
    _queue(session, clock, event, "raised")


def _on_reopened(session: Session, clock: Clock, event: DomainEvent) -> None:
    _queue(session, clock, event, "reopened")


def _on_resolved(session: Session, clock: Clock, event: DomainEvent) -> None:
    _queue(session, clock, event, "resolution")


# Reactions to the incidents domain's events; the composition root (warroom.wiring) subscribes.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("incident:incident:opened", _on_opened),
    ("incident:severity:raised", _on_raised),
    ("incident:status:reopened", _on_reopened),
    ("incident:status:resolved", _on_resolved),
)
