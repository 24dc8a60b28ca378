"""Engine jobs of postmortems: remind the author before the due time, flag it overdue after.

Reminders go to the author through the same path as the update-cadence reminders (the notify
outbox, each message with an idempotency key); an author-less postmortem records
`review:postmortem:nobody` instead. An author who may not read the incident (private, and no
member of it now, nor an admin) is reminded without its title: `PRIVATE_TITLE` stands in, as in
the comms cadence's and the action items' reminders. A job of an older plan, or of a published
postmortem, does nothing.

An author who can no longer write it (deactivated since, or made a viewer) would be reminded
in vain: the reminders and the overdue notice go instead to whoever would be made author now
(`service.default_author`: the commander, else whoever resolved it), saying so and how to give
it a new author; with nobody to stand in, `review:postmortem:nobody` is recorded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.clock import utc
from warroom.comms import reach
from warroom.comms.cadence import PRIVATE_TITLE
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.metrics import ProcessCounter
from warroom.review.postmortems import draft, render, service
from warroom.review.postmortems.models import PUBLISHED, Postmortem
from warroom.review.postmortems.reminders import OVERDUE, REMIND

ACTOR = "warroom:review"
POSTMORTEMS_OVERDUE = ProcessCounter(
    "warroom_postmortems_overdue",
    "Postmortems flagged overdue (not published by their due time) by this process's workers",
)


def _current(ctx: JobContext, job: Job) -> tuple[Incident, Postmortem] | None:
    """The incident (locked first) and postmortem of a job, if the job still matters."""
    pm = ctx.session.get(Postmortem, int(job.payload["postmortem_id"]))
    if pm is None:
        return None
    incident = incidents.lock_by_id(ctx.session, pm.incident_id)
    ctx.session.refresh(pm)
    if incident is None or pm.state == PUBLISHED:
        return None
    if pm.generation != int(job.payload["generation"]) or pm.due_at is None:
        return None
    return incident, pm


def _author_reads(session: Session, incident: Incident, author: str) -> bool:
    """Whether the author may read the incident now (public, or a member, or an admin)."""
    if not incident.private:
        return True
    role = session.scalar(select(User.role).where(User.email == author.lower()))
    return incidents.can_read(session, incident, author, is_admin=role == "admin")


def stand_in(session: Session, incident: Incident, pm: Postmortem) -> str | None:
    """Who hears of the postmortem for an author who can no longer write it (deactivated, or a
    viewer now); None while the author can, or when nobody can stand in."""
    if pm.author is None:
        return None
    user = session.scalar(select(User).where(User.email == pm.author.lower()))
    if user is not None and service.cannot_write(user) is None:
        return None
    chosen = service.default_author(session, incident)
    return None if chosen is None or chosen.lower() == pm.author.lower() else chosen


def _notify(ctx: JobContext, incident: Incident, pm: Postmortem, phrase: str, key: str) -> None:
    standing_in = stand_in(ctx.session, incident, pm)
    reader = standing_in or pm.author
    reads = reader is not None and _author_reads(ctx.session, incident, reader)
    text = render.render_text(
        render.builtin("reminder"),
        {
            "ref": incident.ref,
            "number": incident.number,
            "title": incident.title if reads else PRIVATE_TITLE,
            "when": phrase,
            "due": draft.when(pm.due_at),
            "state": pm.state.replace("_", " "),
        },
    )
    targets = [f"user:{reader}"] if reader else []
    title = f"[{incident.severity}] {incident.ref}: postmortem {phrase}"
    if standing_in:
        title += f": its author {pm.author} can no longer write it"
        text += (
            f"\n\nIts author {pm.author} can no longer write it (deactivated, or a viewer): you"
            f" hear of it to hand it on. Give it a new author with: warroom postmortem assign "
            f"{incident.number} --author EMAIL\n"
        )
    to = reach.send(
        ctx.session,
        ctx.clock,
        ctx.settings.smtp_url,
        incident,
        targets,
        (title, text),
        key=key,
        purpose="review:postmortem",
    )
    timeline.record(
        ctx.session,
        ctx.clock,
        incident_id=incident.id,
        kind="review:postmortem:reminded" if to else "review:postmortem:nobody",
        actor=ACTOR,
        payload={
            "when": phrase,
            "due_at": utc(pm.due_at).isoformat() if pm.due_at else None,
            "to": to,
            "author": pm.author,
            **({"author_cannot_write": True} if standing_in else {}),
        },
    )


@handler(REMIND)
def remind(ctx: JobContext, job: Job) -> None:
    """Remind the author that the postmortem is due soon."""
    found = _current(ctx, job)
    if found is None:
        return
    incident, pm = found
    now = ctx.clock.now()
    if pm.due_at is None or pm.overdue_since is not None or utc(pm.due_at) <= now:
        return  # ran late (the engine was behind): the overdue notice at the due time says it
    left = draft.span(utc(pm.due_at) - now)
    _notify(ctx, incident, pm, f"due in {left}", job.dedup_key or f"{REMIND}:{job.id}")


@handler(OVERDUE)
def overdue(ctx: JobContext, job: Job) -> None:
    """The postmortem was not published in time: flag it overdue and tell the author."""
    found = _current(ctx, job)
    if found is None or found[1].overdue_since is not None:
        return
    incident, pm = found
    pm.overdue_since = ctx.clock.now()
    if not incident.drill:  # a production figure, as the gauge: drills apart
        POSTMORTEMS_OVERDUE.inc()
    timeline.record(
        ctx.session,
        ctx.clock,
        incident_id=incident.id,
        kind="review:postmortem:overdue",
        actor=ACTOR,
        payload={
            "state": pm.state,
            "due_at": utc(pm.due_at).isoformat() if pm.due_at else None,
            "author": pm.author,
        },
    )
    _notify(ctx, incident, pm, "overdue", job.dedup_key or f"{OVERDUE}:{job.id}")
