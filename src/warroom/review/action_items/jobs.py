"""Engine handlers of action items: remind the owner, flag overdue, export to the tracker.

An owner who may not read the item's private incident (no member of it, no admin) is reminded
without its title or the item's (a member wrote it there): `PRIVATE_TITLE` and `PRIVATE_ITEM`
stand in, as the comms cadence's reminders do for people who may not be members.

An owner who is deactivated (left, or removed from the config) can be reached by nobody, and
the item would go overdue unheard: the notice goes to whoever can hand it on instead, the
incident's commander, else the postmortem's author, else the person who added the item (each
only while active), saying the owner is deactivated and how to give it a new owner.
"""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.comms import reach
from warroom.comms.cadence import PRIVATE_TITLE
from warroom.comms.templates import render_text, when
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.review.action_items import export, service
from warroom.review.action_items.models import ACTIVE, ActionItem
from warroom.review.action_items.schedule import EXPORT, OVERDUE, REMIND
from warroom.review.postmortems import service as postmortems

ACTOR = "warroom:action_items"
PRIVATE_ITEM = "(a private action item)"


def _current(ctx: JobContext, job: Job) -> tuple[Incident, ActionItem] | None:
    """The incident (locked first) and the item of a job, if the job still matters."""
    item = ctx.session.get(ActionItem, int(job.payload["action_item"]))
    if item is None:
        return None
    incident = incidents.lock_by_id(ctx.session, item.incident_id)
    ctx.session.refresh(item)
    if incident is None or item.generation != int(job.payload["generation"]):
        return None
    if item.status not in ACTIVE or item.due_at is None:
        return None
    return incident, item


def message(
    incident: Incident,
    item: ActionItem,
    template: str,
    phrase: str,
    *,
    private: bool = False,
    owner_gone: bool = False,
) -> tuple[str, str]:
    """The title and body (from the template) of a reminder or overdue notice; `private`: for
    a reader who may not read the incident, whose title and the item's are left out;
    `owner_gone`: for whoever hands on the item of a deactivated owner."""
    source = resources.files("warroom.review.action_items").joinpath(f"templates/{template}.j2")
    ctx = {
        "id": item.id,
        "title": PRIVATE_ITEM if private else item.title,
        "priority": item.priority,
        "horizon": item.horizon,
        "owner": item.owner,
        "status": item.status.replace("_", " "),
        "due_time": when(item.due_at),
        "when": phrase,
        "ref": incident.ref,
        "incident_title": PRIVATE_TITLE if private else incident.title,
        "owner_gone": owner_gone,
    }
    title = f"[{item.priority}] action item {item.id} from {incident.ref} {phrase}"
    if owner_gone:
        title += f": its owner {item.owner} is deactivated"
    return title, render_text(f"action_item_{template}", source.read_text("utf-8"), ctx)


def _owner_reads(session: Session, incident: Incident, owner: str) -> bool:
    """Whether the item's owner may read its incident (public, or a member, or an admin)."""
    if not incident.private:
        return True
    role = session.scalar(select(User.role).where(User.email == owner.lower()))
    return incidents.can_read(session, incident, owner, is_admin=role == "admin")


def _active(session: Session, email: str | None) -> bool:
    if not email:
        return False
    return bool(session.scalar(select(User.active).where(User.email == email.lower())))


def recipients(session: Session, incident: Incident, item: ActionItem) -> tuple[list[str], bool]:
    """Whom a notice of the item goes to, and whether its owner is deactivated: the owner;
    else the first of the commander(s), the postmortem's author, the person who added it who
    is active (none: nobody is reached, as the timeline records)."""
    if _active(session, item.owner):
        return [item.owner], False
    commanders = reach.role_holders(session, incident, "incident_commander")
    if commanders:
        return commanders, True
    pm = postmortems.find_for_incident(session, incident.id)
    for candidate in (pm.author if pm else None, item.created_by):
        if candidate and _active(session, candidate):
            return [candidate], True
    return [], True


def phrase_of(left_s: float) -> str:
    """How soon an item is due, in words ("due in 2 days", "due in 5 hours", "due now")."""
    days, hours = int(left_s // 86400), int(left_s // 3600)
    if days >= 1:
        return f"due in {days} day{'s' if days > 1 else ''}"
    return f"due in {hours} hour{'s' if hours > 1 else ''}" if hours >= 1 else "due now"


def _notify(
    ctx: JobContext, incident: Incident, item: ActionItem, template: str
) -> tuple[list[str], bool]:
    """Send the notice; who was reached, and whether the owner is deactivated."""
    left = (item.due_at - ctx.clock.now()).total_seconds() if item.due_at else 0.0
    phrase = "overdue" if template == "overdue" else phrase_of(left)
    to, owner_gone = recipients(ctx.session, incident, item)
    private = not all(_owner_reads(ctx.session, incident, e) for e in to)
    reached = reach.send(
        ctx.session,
        ctx.clock,
        ctx.settings.smtp_url,
        incident,
        [f"user:{e}" for e in to],
        message(incident, item, template, phrase, private=private, owner_gone=owner_gone),
        key=f"action_item:{item.id}:{item.generation}:{template}",
        purpose=f"review:action_item:{template}",
    )
    return reached, owner_gone


@handler(REMIND)
def remind(ctx: JobContext, job: Job) -> None:
    """Remind the owner that the item is due soon."""
    found = _current(ctx, job)
    if found is None:
        return
    incident, item = found
    to, owner_gone = _notify(ctx, incident, item, "reminder")
    item.reminded_at = ctx.clock.now()
    service.record(
        ctx.session, ctx.clock, item, "reminded", ACTOR, owner=item.owner, to=to,
        due_at=item.due_at.isoformat() if item.due_at else None, **_gone(owner_gone),
    )  # fmt: skip


@handler(OVERDUE)
def overdue(ctx: JobContext, job: Job) -> None:
    """Flag the item overdue and tell its owner."""
    found = _current(ctx, job)
    if found is None:
        return
    incident, item = found
    if item.due_at is not None and item.due_at > ctx.clock.now():
        return  # re-planned for later meanwhile (its own job will come)
    item.overdue_since = ctx.clock.now()
    to, owner_gone = _notify(ctx, incident, item, "overdue")
    service.record(
        ctx.session, ctx.clock, item, "overdue", ACTOR, owner=item.owner, to=to,
        due_at=item.due_at.isoformat() if item.due_at else None, **_gone(owner_gone),
    )  # fmt: skip


def _gone(owner_gone: bool) -> dict[str, object]:
    return {"owner_deactivated": True} if owner_gone else {}


@handler(EXPORT)
def export_item(ctx: JobContext, job: Job) -> None:
    """POST the item to the tracker's webhook; the answer is recorded, failures retried."""
    export.run(ctx, job)
