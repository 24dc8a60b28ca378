"""Hand-off notifications: tell people when their on-call shift starts.

Each schedule has at most one pending `paging.handoff` job, due at the next instant the
person on call changes, or at once when the person on call now is not the one last told (an
override from now, a config change). Config changes and overrides re-plan it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.paging.models import Schedule
from warroom.paging.pager import ACTOR, contact_url
from warroom.paging.people import rules_for, to_pure, users_by_email
from warroom.paging.schedules import Shift, now_and_next, on_call_at
from warroom.settings import Settings

HANDOFF_KIND = "paging.handoff"


def local_time(when: datetime, time_zone: str) -> str:
    """An instant as the schedule's clock shows it: 'Mon 2026-04-06 09:00 CEST (Europe/Berlin)'.

    Hand-offs keep their wall-clock time across daylight-saving changes; written in UTC, the
    09:00 Berlin hand-off read 07:00 in summer and 08:00 in winter."""
    local = when.astimezone(ZoneInfo(time_zone))
    return f"{local.strftime('%a %Y-%m-%d %H:%M %Z')} ({time_zone})"


def _key(schedule_id: int) -> str:
    return f"{HANDOFF_KIND}:{schedule_id}"


def plan_handoff(session: Session, clock: Clock, row: Schedule) -> None:
    """(Re)queue the schedule's next hand-off job at the next change of person."""
    engine.cancel(session, dedup_key=_key(row.id), clock=clock)
    if not row.active or not row.handoff_notify:
        return
    now = clock.now()
    current, following = now_and_next(to_pure(row), now)
    if _untold(row, current):
        run_at = now
    elif following is not None:
        run_at = following.start
    else:
        return
    engine.enqueue(
        session,
        clock,
        HANDOFF_KIND,
        {"schedule_id": row.id},
        run_at=run_at,
        dedup_key=_key(row.id),
    )


def _untold(row: Schedule, current: Shift) -> bool:
    """Someone went on call between hand-offs and was not told: an override from now, or
    config removing the person on call. They are told at once, not when the shift they took
    ends. Before the schedule's first hand-off nobody has been told anything (`last_on_call`
    is None): only an override's person is told then, the layers' on-call is no news."""
    if current.user is None or current.user == row.last_on_call:
        return False
    return row.last_on_call is not None or current.override_id is not None


def plan_all(session: Session, clock: Clock) -> None:
    """Re-plan the hand-off jobs of every active schedule."""
    for row in session.scalars(select(Schedule).where(Schedule.active.is_(True))):
        plan_handoff(session, clock, row)


def run_handoff(session: Session, clock: Clock, settings: Settings, schedule_id: int) -> None:
    """Record the hand-off, notify the incoming person, and plan the next one."""
    from warroom.notify import service as notify

    row = session.get(Schedule, schedule_id)
    if row is None or not row.active:
        return
    now = clock.now()
    current, following = now_and_next(to_pure(row), now)
    user = on_call_at(to_pure(row), now).user
    if user != row.last_on_call:
        timeline.record(
            session,
            clock,
            incident_id=None,
            kind="paging:oncall:handoff",
            actor=ACTOR,
            payload={
                "schedule": row.key,
                "from": row.last_on_call,
                "to": user,
                "until": current.end.isoformat(),
            },
        )
        person = users_by_email(session, [user]).get(user) if user else None
        if person is not None:
            stamp = now.strftime("%Y%m%dT%H%M%SZ")
            body = (
                f"Your on-call shift on {row.name or row.key} starts now and runs until "
                f"{local_time(current.end, row.time_zone)}.\n"
                f"Next on call: {following.user if following else 'nobody'}.\n"
                f"Who is on call: {settings.public_url.rstrip('/')}/schedules/{row.key}"
            )
            for n, rule in enumerate(r for r in rules_for(session, person) if r.after_s <= 0):
                notify.queue_message(
                    session,
                    clock,
                    url=contact_url(rule.contact, settings.smtp_url),
                    title=f"On call now: {row.name or row.key}",
                    body=body,
                    incident_id=None,
                    user_id=person.id,
                    idempotency_key=f"handoff:{row.id}:{stamp}:{n}",
                    purpose="handoff",
                )
        row.last_on_call = user
    plan_handoff(session, clock, row)
