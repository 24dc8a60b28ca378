"""Status updates: post one (internal text to the incident's channels, public text for the
status page), list them, read the public ones, and the cadence record of an incident.

Other domains (the status page) read public updates only through `public_updates` and
`latest_public_update`: they never see internal text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.comms import cadence, reach
from warroom.comms.config import comms_settings, template_set
from warroom.comms.models import EXTERNAL, INTERNAL, STATES, StatusUpdate, UpdateCadence
from warroom.comms.public_text import check_public
from warroom.comms.templates import context_of, when
from warroom.config.types import format_duration
from warroom.errors import Conflict, Invalid
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident

log = logging.getLogger("warroom.comms")
MAX_TEXT = 10_000
MAX_NEXT_UPDATE = timedelta(days=7)
# Sooner than this, the update would be overdue, reminded and escalated before anyone could
# write the next one ("1s" was taken).
MIN_NEXT_UPDATE = timedelta(minutes=1)
DRILL_PUBLIC = (
    "this incident is a drill: its updates stay internal (a drill never reaches the public "
    "status page); post it without public text"
)


def public_updates(session: Session, incident_id: int) -> list[StatusUpdate]:
    """The updates of an incident that carry public text, oldest first."""
    return list(
        session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.incident_id == incident_id, StatusUpdate.public_text.is_not(None))
            .order_by(StatusUpdate.id)
        )
    )


def latest_public_update(session: Session, incident_id: int) -> StatusUpdate | None:
    """The newest update of an incident that carries public text, if any."""
    return session.scalar(
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident_id, StatusUpdate.public_text.is_not(None))
        .order_by(StatusUpdate.id.desc())
        .limit(1)
    )


def state_to_suggest(session: Session, incident_id: int, *, public: bool) -> str:
    """The state the incident's updates last said (public: its public updates, what the status
    page shows), for a reminder to suggest; `investigating` before any, or when the last one
    said `resolved` (a reminder runs only for an open incident: it was reopened since)."""
    query = select(StatusUpdate.state).where(StatusUpdate.incident_id == incident_id)
    if public:
        query = query.where(StatusUpdate.public_text.is_not(None))
    state = session.scalar(query.order_by(StatusUpdate.id.desc()).limit(1))
    return state if state in STATES and state != "resolved" else "investigating"


def rendered_public_updates(session: Session, incident_id: int) -> list[tuple[StatusUpdate, str]]:
    """The public updates of an incident, each with its text as the `public_update` template
    renders it for the status page and its subscribers (from public fields only: the state,
    the public text and, for the newest, when the next public update is due)."""
    found = public_updates(session, incident_id)
    if not found:
        return []
    templates = template_set(session)
    row = cadence.row_of(session, incident_id, EXTERNAL)
    due = row.due_at if row is not None else None
    out: list[tuple[StatusUpdate, str]] = []
    for n, update in enumerate(found):
        last = n == len(found) - 1 and update.state != "resolved"
        ctx = context_of(
            state=update.state,
            status_word=update.state,
            text=update.public_text or "",
            next_update=when(due) if last else "",
        )
        out.append((update, templates.render("public_update", ctx).strip()))
    return out


def list_updates(session: Session, incident_id: int) -> list[StatusUpdate]:
    """Every status update of an incident, oldest first."""
    return list(
        session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.incident_id == incident_id)
            .order_by(StatusUpdate.id)
        )
    )


@dataclass(frozen=True)
class CadenceRecord:
    """Where an incident's update cadence stands, per audience and overall."""

    rows: list[UpdateCadence]
    on_time: bool


def cadence_record(session: Session, incident_id: int) -> CadenceRecord:
    """The cadence rows of an incident and whether every update so far came on time."""
    rows = cadence.rows_of(session, incident_id)
    return CadenceRecord(rows, all(r.late == 0 for r in rows))


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    if value is None or not value.strip():
        if required:
            raise Invalid(f"{field} text is required", field=field)
        return None
    if len(value) > MAX_TEXT:
        raise Invalid(f"{field} text is longer than {MAX_TEXT} characters", field=field)
    return value.strip()


def _check(state: str, next_update: timedelta | None) -> None:
    if state not in STATES:
        raise Invalid(f"unknown state {state!r}; one of {', '.join(STATES)}", field="state")
    if next_update is not None and not MIN_NEXT_UPDATE <= next_update <= MAX_NEXT_UPDATE:
        raise Invalid(
            "next update must be 1 minute to 7 days away (as 30m, 2h or 1d)", field="next_update"
        )


def post_update(
    session: Session,
    clock: Clock,
    *,
    number: int,
    state: str,
    internal: str,
    public: str | None = None,
    next_update: timedelta | None = None,
    actor: str,
    smtp_url: str,
    force: bool = False,
) -> StatusUpdate:
    """Post a status update: internal text to the incident's channels, public text stored for
    the status page; both on the timeline; the cadence of each audience served re-planned.

    A `resolved` update of an open incident resolves it through the incidents service (the
    mitigations guard applies: `force` as for `warroom incident resolve --force`); no next
    update is planned after it."""
    _check(state, next_update)
    internal_text = _text(internal, "internal", required=True)
    public_text = _text(public, "public", required=False)
    check_public(public_text, "public")
    incident = incidents.get_incident(session, number)
    if incident.drill and public_text:
        raise Invalid(DRILL_PUBLIC, field="public")
    if incident.status in cadence.CLOSED and state != "resolved":
        raise Conflict(f"{incident.ref} is {incident.status}", field="state")
    incidents.lock(session, clock, incident)
    now = clock.now()
    audiences = [INTERNAL] + ([EXTERNAL] if public_text else [])
    # Counted against the due times as they stand: a resolve (below) clears them.
    on_time = _settle(session, incident, audiences, now)
    if state == "resolved" and incident.status not in cadence.CLOSED:
        incidents.resolve(
            session, clock, incident, actor=actor, note="resolved by a status update", force=force
        )
    update = StatusUpdate(
        incident_id=incident.id,
        state=state,
        internal_text=internal_text or "",
        public_text=public_text,
        next_update_at=None,
        author=actor,
        created_at=now,
        on_time=on_time,
    )
    session.add(update)
    session.flush()
    _replan(session, clock, incident, update, audiences, next_update)
    _announce(session, clock, incident, update, smtp_url)
    return update


def _settle(session: Session, incident: Incident, audiences: list[str], now: datetime) -> bool:
    """Count the update for its audiences; False if one of them was already due."""
    on_time = True
    for audience in audiences:
        row = cadence.row_of(session, incident.id, audience)
        if row is None:
            continue
        row.updates += 1
        late = row.due_at is not None and now > row.due_at
        if late and row.overdue_since is None:
            row.late += 1  # late before the overdue check ran
        on_time = on_time and not late and row.overdue_since is None
    return on_time


def _replan(
    session: Session,
    clock: Clock,
    incident: Incident,
    update: StatusUpdate,
    audiences: list[str],
    next_update: timedelta | None,
) -> None:
    options = comms_settings(session)
    if incident.status in cadence.CLOSED:
        return
    for audience in audiences:
        wait = next_update or cadence.every(session, incident, audience)
        due = None if wait is None else clock.now() + wait
        cadence.plan(session, clock, incident, audience, due, options)
        if audience == INTERNAL or update.next_update_at is None:
            update.next_update_at = due


def due_after_posting(
    clock: Clock, session: Session, incident: Incident, audience: str, wait: timedelta | None
) -> datetime | None:
    """When an update posted now would make the audience's next one due (as `_replan` plans
    it): the wait asked for, else the severity's cadence; None when none is owed."""
    if incident.status in cadence.CLOSED:
        return None
    chosen = wait or cadence.every(session, incident, audience)
    return None if chosen is None else clock.now() + chosen


def _announce(
    session: Session, clock: Clock, incident: Incident, update: StatusUpdate, smtp_url: str
) -> None:
    """Send the internal text to the incident's channels (an `email:` channel through
    `smtp_url`, WARROOM_SMTP_URL); both texts on the timeline."""
    options = comms_settings(session)
    ctx = context_of(
        ref=incident.ref,
        number=incident.number,
        title=incident.title,
        summary=incident.summary,
        severity=incident.severity,
        status=incident.status,
        state=update.state,
        start_time=when(incident.opened_at),
        affected_systems=incident.service_keys,
        impact=str((incident.impact or {}).get("description") or ""),
        next_update=when(update.next_update_at),
        text=update.internal_text,
        author=update.author,
    )
    title = f"[{incident.severity}] {incident.ref} update: {update.state}"
    body = template_set(session).render("status_update", ctx)
    targets = [f"channel:{k}" for k in reach.channel_keys(session, incident, options)]
    update.reached = reached = reach.send(
        session,
        clock,
        smtp_url,
        incident,
        targets,
        (title, body),
        key=f"comms:update:{update.id}",
        purpose="comms:update",
    )
    base = {"update_id": update.id, "state": update.state, "next_update_at": _iso(update)}
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="comms:update:internal",
        actor=update.author,
        payload={**base, "audience": INTERNAL, "text": update.internal_text, "channels": reached},
    )
    if not reached:
        _warn_unreached(session, clock, incident, update)
    if update.public_text:
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="comms:update:external",
            actor=update.author,
            payload={**base, "audience": EXTERNAL, "text": update.public_text},
        )


UNREACHED = (
    "this internal update reached nobody: the incident has no channels (its severity's, its "
    "services' or their teams') that could be sent to"
)


UNREACHED_PRIVATE = (
    "this internal update went to no channel: the incident is private, so only its members "
    "read it (in warroom)"
)


# Whether an incident is on the public status page. The composition root (warroom.wiring)
# sets it to the status page's answer: comms cannot import that domain, which reads comms.
# Unset (None), public text draws no note.
SHOWN_PUBLICLY: Callable[[Session, int], bool] | None = None

NOT_PUBLISHED = (
    "{ref} is not on the public status page: its public text shows there once the incident is "
    "published (`warroom status publish {number} --name ...`)"
)


def unpublished_note(session: Session, update: StatusUpdate, incident: Incident) -> str | None:
    """Said when an update's public text reaches no reader yet: its incident is not on the
    public status page (the text is kept and shown from when it is)."""
    shown = SHOWN_PUBLICLY
    if not update.public_text or shown is None or shown(session, incident.id):
        return None
    return NOT_PUBLISHED.format(ref=incident.ref, number=incident.number)


def cadence_note(
    session: Session, incident: Incident, update: StatusUpdate, wait: timedelta | None
) -> str | None:
    """Said when the next update was asked for later than the severity's cadence of an
    audience the update served: it is planned as asked, and nobody is reminded before then."""
    if wait is None or incident.status in cadence.CLOSED:
        return None
    served = [INTERNAL] + ([EXTERNAL] if update.public_text and not incident.drill else [])
    past = [(a, every) for a in served if (every := cadence.every(session, incident, a))]
    past = [(a, every) for a, every in past if wait > every]
    if not past:
        return None
    kinds = {INTERNAL: "an internal update", EXTERNAL: "a public update"}
    asks = [f"{kinds[a]} every {format_duration(every)}" for a, every in past]
    if len(asks) == 2:
        asks = [asks[0], asks[1].replace("a public update", "a public one")]
    before = format_duration(comms_settings(session).reminder_before)
    return (
        f"{incident.severity} asks for {' and '.join(asks)}: the next is due in "
        f"{format_duration(wait)}, as asked (the reminder comes {before} before then)"
    )


def unreached_warning(update: StatusUpdate, incident: Incident) -> str | None:
    """The warning shown when an update's internal text reached nobody, else None."""
    if update.reached:
        return None
    return UNREACHED_PRIVATE if incident.private else UNREACHED


def _warn_unreached(
    session: Session, clock: Clock, incident: Incident, update: StatusUpdate
) -> None:
    log.warning("%s: update %s reached nobody", incident.ref, update.id)
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="comms:reach:nobody",
        actor=update.author,
        payload={"update_id": update.id, "warning": unreached_warning(update, incident)},
    )


def _iso(update: StatusUpdate) -> str | None:
    return None if update.next_update_at is None else update.next_update_at.isoformat()
