"""The update cadence's engine jobs: remind before an update is due, mark it overdue, escalate.

`comms.cadence` plans them (one generation per due time); each job locks the incident row
first (the engine's lock order) and does nothing when its generation is stale, the row has no
due time any more or the incident is resolved.
"""

from __future__ import annotations

from datetime import datetime

from warroom.audit import service as timeline
from warroom.comms import reach
from warroom.comms import service as comms
from warroom.comms.cadence import ACTOR, CLOSED, PRIVATE_TITLE, iso_or_none, job_key, row_of
from warroom.comms.config import comms_settings, template_set
from warroom.comms.models import EXTERNAL, UpdateCadence
from warroom.comms.templates import context_of, when
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident


def _current(ctx: JobContext, job: Job) -> tuple[Incident, UpdateCadence] | None:
    """The incident (locked first) and cadence row of a job, if the job still matters."""
    incident = incidents.lock_by_id(ctx.session, int(job.payload["incident_id"]))
    if incident is None or incident.status in CLOSED:
        return None
    row = row_of(ctx.session, incident.id, str(job.payload["audience"]))
    if row is None or row.generation != int(job.payload["generation"]) or row.due_at is None:
        return None
    return incident, row


def _message(
    ctx: JobContext, incident: Incident, row: UpdateCadence, phrase: str
) -> tuple[str, str]:
    session = ctx.session
    title = f"[{incident.severity}] {incident.ref}: {row.audience} update {phrase}"
    values = context_of(
        ref=incident.ref,
        number=incident.number,
        # Reminders and escalations may reach people who are not a private incident's members.
        title=PRIVATE_TITLE if incident.private else incident.title,
        severity=incident.severity,
        status=incident.status,
        audience=row.audience,
        when=phrase,
        due_time=when(row.due_at),
        # Copied as it stands, the suggested command must not take the page back a state.
        status_word=comms.state_to_suggest(session, incident.id, public=row.audience == EXTERNAL),
        url=incident.page_url(ctx.settings.public_url),
    )
    return title, template_set(session).render("reminder", values)


def _due_phrase(due_at: datetime | None, now: datetime) -> str:
    """ "due in 5 minutes"; a reminder that runs late (the engine was down) says the update is
    already overdue rather than "due in 0 minutes"."""
    if due_at is None:
        return "due now"
    if due_at <= now:
        return f"overdue since {when(due_at)}"
    return f"due in {int((due_at - now).total_seconds() // 60)} minutes"


@handler("comms.remind")
def remind(ctx: JobContext, job: Job) -> None:
    """Send the reminder of a coming update to the communications lead (or stand-ins)."""
    found = _current(ctx, job)
    if found is None:
        return
    incident, row = found
    session, clock = ctx.session, ctx.clock
    targets = reach.reminder_targets(session, incident, clock.now())
    to = reach.send(
        session,
        clock,
        ctx.settings.smtp_url,
        incident,
        targets,
        _message(ctx, incident, row, _due_phrase(row.due_at, clock.now())),
        key=job_key("comms.remind", row),
        purpose="comms:reminder",
    )
    row.reminded_at = clock.now()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="comms:cadence:reminded" if to else "comms:cadence:nobody",
        actor=ACTOR,
        payload={
            "audience": row.audience,
            "due_at": iso_or_none(row.due_at),
            "to": to,
            "targets": targets,
        },
    )


@handler("comms.overdue")
def overdue(ctx: JobContext, job: Job) -> None:
    """The update did not come in time: mark it overdue, count it late, plan the escalation."""
    found = _current(ctx, job)
    if found is None or found[1].overdue_since is not None:
        return
    incident, row = found
    session, clock = ctx.session, ctx.clock
    row.overdue_since = clock.now()
    row.late += 1
    options = comms_settings(session)
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="comms:cadence:overdue",
        actor=ACTOR,
        payload={"audience": row.audience, "due_at": row.due_at},
    )
    ctx.enqueue(
        "comms.escalate",
        dict(job.payload),
        run_at=clock.now() + options.escalate_overdue_after,
        dedup_key=job_key("comms.escalate", row),
        incident_id=incident.id,
    )


@handler("comms.escalate")
def escalate(ctx: JobContext, job: Job) -> None:
    """An update still overdue: page the commander and the severity's escalation targets."""
    found = _current(ctx, job)
    if found is None or found[1].escalated_at is not None:
        return
    incident, row = found
    session, clock = ctx.session, ctx.clock
    targets = reach.escalation_targets(session, incident, comms_settings(session))
    late = int((clock.now() - row.due_at).total_seconds() // 60) if row.due_at else 0
    to = reach.send(
        session,
        clock,
        ctx.settings.smtp_url,
        incident,
        targets,
        _message(ctx, incident, row, f"overdue by {late} minutes"),
        key=job_key("comms.escalate", row),
        purpose="comms:escalation",
    )
    row.escalated_at = clock.now()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="comms:cadence:escalated",
        actor=ACTOR,
        payload={
            "audience": row.audience,
            "due_at": iso_or_none(row.due_at),
            "to": to,
            "targets": targets,
        },
    )
