"""Paging: schedules, overrides, who is on call, feeds, manual escalation, action links.

Other domains call paging through this module. Incident reactions (escalation timers) live in
`runtime.py`; the composition root (`warroom.wiring`) subscribes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.clock import Clock
from warroom.db import savepoint
from warroom.errors import Conflict, Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.paging import handoff, ical, links, runtime
from warroom.paging import schedules as pure
from warroom.paging.models import (
    EscalationPolicy,
    IncidentEscalation,
    LinkUse,
    Page,
    Schedule,
    ScheduleOverride,
    UserFeed,
)
from warroom.paging.pager import PageRequest, page
from warroom.paging.people import resolve_targets, to_pure, users_by_email
from warroom.settings import Settings

FEED_PAST = timedelta(days=14)
FEED_FUTURE = timedelta(days=90)
CHECKLIST = ("summary", "actions_taken", "why", "need")


def list_schedules(session: Session) -> list[Schedule]:
    """Active schedules by key."""
    return list(
        session.scalars(select(Schedule).where(Schedule.active.is_(True)).order_by(Schedule.key))
    )


def get_schedule(session: Session, key: str) -> Schedule:
    """The active schedule with this key, or NotFound."""
    row = session.scalar(select(Schedule).where(Schedule.key == key, Schedule.active.is_(True)))
    if row is None:
        raise NotFound(f"no schedule {key!r}", field="schedule")
    return row


@dataclass(frozen=True)
class OnCallNow:
    schedule: Schedule
    current: pure.Shift
    following: pure.Shift | None


# How far ahead on_call looks for the next hand-off (a shift with no `following` runs to it).
HANDOFF_LOOK_AHEAD = pure.LOOK_AHEAD


# Times a question about schedules may name: what is on call looks at shifts around a moment
# (the next one, a week or a year of them), which near year 1 or 9999 lie past Python's dates.
EARLIEST, LATEST = datetime(1800, 1, 1, tzinfo=UTC), datetime(9900, 12, 31, tzinfo=UTC)


def _in_calendar(when: datetime, field: str) -> datetime:
    if not EARLIEST <= when <= LATEST:
        raise Invalid(
            f"{when.isoformat()} is out of range: times from 1800 to 9900 only", field=field
        )
    return when


def on_call(session: Session, when: datetime, schedule: str | None = None) -> list[OnCallNow]:
    """Who is on call at `when` (and who is next) on one schedule or all of them."""
    _in_calendar(when, "at")
    rows = [get_schedule(session, schedule)] if schedule else list_schedules(session)
    result = []
    for row in rows:
        current, following = pure.now_and_next(to_pure(row), when)
        result.append(OnCallNow(row, current, following))
    return result


def shifts(session: Session, key: str, start: datetime, end: datetime) -> list[pure.Shift]:
    """The final shifts of a schedule between start and end (at most 366 days)."""
    _in_calendar(start, "start")
    _in_calendar(end, "end")
    if end <= start:
        raise Invalid("end must be after start", field="end")
    if end - start > timedelta(days=366):
        raise Invalid("at most 366 days at a time", field="end")
    return pure.shifts(to_pure(get_schedule(session, key)), start, end)


MIN_OVERRIDE = timedelta(minutes=1)


def add_override(
    session: Session,
    clock: Clock,
    *,
    schedule: str,
    user: str,
    start: datetime,
    end: datetime,
    replaces: str | None = None,
    reason: str = "",
    actor: str,
) -> ScheduleOverride:
    """Let `user` cover the schedule (or cover `replaces` on it) from start to end."""
    row = get_schedule(session, schedule)
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("start and end need a time zone (e.g. 2026-03-01T09:00+01:00)", field="start")
    _in_calendar(start, "start")
    _in_calendar(end, "end")
    if end <= start:
        raise Invalid("end must be after start", field="end")
    if end - start < MIN_OVERRIDE:  # shown to the minute: 10:00 to 10:00 helps nobody
        raise Invalid("an override lasts at least a minute", field="end")
    if end <= clock.now():
        raise Invalid("the override would already be over", field="end")
    found = users_by_email(session, [user, *([replaces] if replaces else [])])
    if user.lower() not in found:
        raise Invalid(f"no user {user!r}", field="user")
    if not found[user.lower()].active:  # an inactive person's override would never win
        raise Invalid(f"{user} is deactivated and cannot be on call", field="user")
    if found[user.lower()].role == "viewer":  # paged, but could not acknowledge or resolve
        raise Invalid(
            f"{user} is a viewer and cannot acknowledge or resolve, so cannot be on call",
            field="user",
        )
    if replaces and replaces.lower() not in found:
        raise Invalid(f"no user {replaces!r}", field="replaces")
    override = ScheduleOverride(
        schedule_id=row.id,
        user_email=user.lower(),
        replaces_email=replaces.lower() if replaces else None,
        start_at=start,
        end_at=end,
        reason=reason,
        created_by=actor,
        created_at=clock.now(),
    )
    session.add(override)
    session.flush()
    session.refresh(row, ["overrides"])
    _record_override(session, clock, "added", row, override, actor)
    handoff.plan_handoff(session, clock, row)
    return override


def list_overrides(
    session: Session, clock: Clock, schedule: str, *, include_past: bool = False
) -> list[ScheduleOverride]:
    """The overrides of a schedule, by start; past ones only when asked."""
    row = get_schedule(session, schedule)
    query = select(ScheduleOverride).where(ScheduleOverride.schedule_id == row.id)
    if not include_past:
        query = query.where(ScheduleOverride.end_at > clock.now())
    return list(session.scalars(query.order_by(ScheduleOverride.start_at, ScheduleOverride.id)))


def remove_override(
    session: Session, clock: Clock, *, schedule: str, override_id: int, actor: str
) -> ScheduleOverride:
    """Delete an override of a schedule."""
    row = get_schedule(session, schedule)
    override = session.get(ScheduleOverride, override_id)
    if override is None or override.schedule_id != row.id:
        raise NotFound(f"no override {override_id} on {schedule!r}", field="override_id")
    session.delete(override)
    session.flush()
    session.refresh(row, ["overrides"])
    _record_override(session, clock, "removed", row, override, actor)
    handoff.plan_handoff(session, clock, row)
    return override


def _record_override(
    session: Session, clock: Clock, action: str, row: Schedule, o: ScheduleOverride, actor: str
) -> None:
    timeline.record(
        session,
        clock,
        incident_id=None,
        kind=f"paging:override:{action}",
        actor=actor,
        payload={
            "schedule": row.key,
            "override_id": o.id,
            "user": o.user_email,
            "replaces": o.replaces_email,
            "start": o.start_at.isoformat(),
            "end": o.end_at.isoformat(),
        },
    )


def schedule_feed(session: Session, clock: Clock, token: str) -> str:
    """The iCalendar text of the schedule whose feed token this is."""
    row = session.scalar(select(Schedule).where(Schedule.feed_token == token))
    if row is None or not row.active:
        raise NotFound("no such feed", field="token")
    now = clock.now()
    events = [
        ical.Event(s.start, s.end, f"On call: {s.user}", f"{row.name or row.key}", row.key)
        for s in pure.shifts(to_pure(row), now - FEED_PAST, now + FEED_FUTURE)
        if s.user
    ]
    return ical.calendar(f"On call: {row.name or row.key}", events, now=now)


def user_feed(session: Session, clock: Clock, token: str) -> str:
    """The iCalendar text of one person's shifts across every schedule."""
    feed = session.scalar(select(UserFeed).where(UserFeed.feed_token == token))
    user = session.get(User, feed.user_id) if feed is not None else None
    if user is None or not user.active:
        raise NotFound("no such feed", field="token")
    now = clock.now()
    events = []
    for row in list_schedules(session):
        for s in pure.shifts(to_pure(row), now - FEED_PAST, now + FEED_FUTURE):
            if s.user == user.email:
                events.append(
                    ical.Event(
                        s.start,
                        s.end,
                        f"On call: {row.name or row.key}",
                        f"Schedule {row.key}",
                        f"{row.key}|{user.email}",
                    )
                )
    return ical.calendar(f"On call: {user.name}", events, now=now)


def escalate(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    number: int,
    to: list[str],
    checklist: dict[str, str],
    actor: str,
) -> list[Page]:
    """Manual escalation: page `to` with the escalation checklist as the message."""
    for name in CHECKLIST:
        if not (checklist.get(name) or "").strip():
            raise Invalid(f"the escalation checklist needs {name!r}", field=name)
    if not to:
        raise Invalid("name whom to escalate to", field="to")
    incident = incidents.get_incident(session, number)
    if incident.status in ("resolved", "closed"):
        raise Conflict(f"{incident.ref} is {incident.status}", field="status")
    if not resolve_targets(session, to, clock.now()):
        raise Invalid(f"nobody to page for {', '.join(to)}", field="to")
    context = "\n".join(
        [
            f"{actor} is escalating {incident.ref} ({incident.severity}) to you.",
            "",
            f"Summary: {checklist['summary'].strip()}",
            f"Actions taken: {checklist['actions_taken'].strip()}",
            f"Escalating because: {checklist['why'].strip()}",
            f"Needed: {checklist['need'].strip()}",
        ]
    )
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="paging:escalation:manual",
        actor=actor,
        payload={"to": list(to), **{k: checklist[k].strip() for k in CHECKLIST}},
    )
    return page(
        session, clock, settings, incident, PageRequest(list(to), "manual", context, actor=actor)
    )


def check_link(
    session: Session, settings: Settings, clock: Clock, token: str
) -> tuple[links.LinkClaims, Incident]:
    """The claims and incident of a valid, unused action link (LinkError or NotFound otherwise)."""
    claims = links.verify_token(settings.secret_key, token, now=clock.now())
    used = session.scalar(select(LinkUse.id).where(LinkUse.nonce == claims.nonce))
    if used is not None:
        raise links.LinkError("this link has already been used")
    links.check_holder(session, claims)
    return claims, incidents.get_incident(session, claims.incident_number)


def use_link(
    session: Session, settings: Settings, clock: Clock, token: str
) -> tuple[str, Incident]:
    """Act on a link (acknowledge or resolve) once; returns what happened and the incident."""
    claims, incident = check_link(session, settings, clock, token)
    user = session.get(User, claims.user_id) if claims.user_id else None
    actor = user.email if user is not None else "link"
    try:
        with savepoint(session):
            session.add(
                LinkUse(
                    nonce=claims.nonce,
                    purpose=claims.purpose,
                    incident_number=incident.number,
                    user_id=claims.user_id,
                    used_at=clock.now(),
                )
            )
            session.flush()
    except IntegrityError as exc:
        raise links.LinkError("this link has already been used") from exc
    said = _act_on_link(session, clock, incident, claims.purpose, actor)
    if incident.private and user is not None and not incidents.is_member(session, incident, actor):
        # Paged for a private incident and answering: they work it, so they may read it.
        incidents.assign_role(
            session, clock, incident, role="on_call_engineer", user_email=actor, actor=actor
        )
    return said, incident


def _act_on_link(
    session: Session, clock: Clock, incident: Incident, purpose: str, actor: str
) -> str:
    # Lock, then read the status: an ack that another path committed meanwhile is seen as done
    # ("already acknowledged"), not refused as a move from a state the incident left.
    incident = incidents.lock_by_id(session, incident.id) or incident
    if purpose == "ack":
        if incident.status != "triggered":
            return f"{incident.ref} was already {incident.status}"
        incidents.acknowledge(
            session, clock, incident, actor=actor, note="acknowledged from a page link"
        )
        return f"{incident.ref} acknowledged"
    if incident.status in ("resolved", "closed"):
        return f"{incident.ref} was already {incident.status}"
    # A person resolving: held like any person's resolve while mitigations are still active.
    incidents.resolve(
        session, clock, incident, actor=actor, note="resolved from a page link", force=False
    )
    return f"{incident.ref} resolved"


def escalation_of(session: Session, number: int) -> IncidentEscalation:
    """The escalation state of an incident, or NotFound when paging never saw it open."""
    incident = incidents.get_incident(session, number)
    state = runtime.state_of(session, incident.id)
    if state is None:
        raise NotFound(f"{incident.ref} has no escalation", field="number")
    return state


def pages_of(session: Session, number: int) -> list[Page]:
    """Everyone paged for an incident, oldest first."""
    incident = incidents.get_incident(session, number)
    return list(
        session.scalars(select(Page).where(Page.incident_id == incident.id).order_by(Page.id))
    )


# ---- read views for the web UI's on-call calendar ---------------------------------------


def layer_shifts(
    session: Session, key: str, start: datetime, end: datetime
) -> list[tuple[str, list[pure.Shift]]]:
    """Each layer of a schedule on its own (no other layer, no override), in config order."""
    if end <= start or end - start > timedelta(days=366):
        raise Invalid("end must be after start, at most 366 days later", field="end")
    whole = to_pure(get_schedule(session, key))
    alone = [pure.Schedule(whole.key, (layer,), (), whole.time_zone) for layer in whole.layers]
    return [(s.layers[0].name, pure.shifts(s, start, end)) for s in alone]


def list_policies(session: Session) -> list[EscalationPolicy]:
    """Active escalation policies by key."""
    query = select(EscalationPolicy).where(EscalationPolicy.active.is_(True))
    return list(session.scalars(query.order_by(EscalationPolicy.key)))


def paged_first(session: Session, targets: list[str], when: datetime) -> list[str]:
    """The e-mails of the people a policy level's targets reach at `when`."""
    return [user.email for _, user in resolve_targets(session, targets, when)]
