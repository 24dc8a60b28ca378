"""Can the people on call be reached? Test pages, and a check of the coming week.

- `send_test_pages`: one test message through each of a person's contact methods (queued in
  the outbox like any page; the engine delivers them, the caller reads each outcome).
- `unreachable_on_call`: everyone on call in the next days (any schedule) who has no working
  contact method: none can be sent through, or the last message to each of them failed. A
  person with none configured is paged by e-mail to their address (`people.rules_for`), so
  that e-mail is what is checked, as it is what `send_test_pages` tests.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.clock import Clock
from warroom.errors import Forbidden, Invalid, NotFound, WarroomError
from warroom.notify import service as notify
from warroom.notify.models import Message
from warroom.notify.senders import is_supported
from warroom.paging import schedules as pure
from warroom.paging.failover import contact_methods
from warroom.paging.models import ContactMethod, Schedule
from warroom.paging.pager import contact_url
from warroom.paging.people import rules_for, to_pure
from warroom.settings import Settings

TEST_PURPOSE = "test"
# One round of test pages per person per interval: testing is not a way to pester someone.
TEST_INTERVAL = timedelta(minutes=1)


class TooSoon(WarroomError):
    """A 429: this person was sent test pages a moment ago; `retry_after` in seconds."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, field: str, retry_after: int) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


def send_test_pages(
    session: Session,
    clock: Clock,
    settings: Settings,
    email: str,
    *,
    caller: str,
    admin: bool,
) -> list[Message]:
    """Queue a test message through each contact method of the person with this e-mail (each
    once, whether or not a notification rule names it: a page may fail over to it).

    Only that person or an admin may test someone's contact methods, once per TEST_INTERVAL.
    """
    wanted = email.strip().lower()
    if not admin and wanted != caller.strip().lower():
        raise Forbidden("only the person themself or an admin may send test pages", field="user")
    user = session.scalar(select(User).where(User.email == wanted))
    if user is None or not _lock_user(session, user) or not user.active:
        raise NotFound(f"no active user {email!r}", field="user")
    _check_interval(session, clock, user)
    stamp = f"{clock.now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"  # every test is new
    messages = []
    for method in _methods_to_test(session, user):
        fields: dict[str, Any] = {
            "url": contact_url(method, settings.smtp_url),
            "title": "warroom test page",
            "body": f"A test page to {user.email} through '{method.name}'. Nothing to do.",
            "user_id": user.id,
            "idempotency_key": f"test:{user.id}:{method.name}:{stamp}",
            "purpose": TEST_PURPOSE,
            "channel": method.name,
        }
        try:
            sent = notify.queue_message(session, clock, incident_id=None, max_attempts=1, **fields)
        except Invalid as exc:  # this method's result; the others are still tried
            via = " (e-mail goes through WARROOM_SMTP_URL)" if method.kind == "email" else ""
            sent = notify.record_refused(session, clock, reason=exc.message + via, **fields)
        messages.append(sent)
    return messages


def _methods_to_test(session: Session, user: User) -> list[ContactMethod]:
    """Each contact method once, in the person's order: also one in no rule (a page fails
    over to it) and one in several rules; without any, the e-mail that pages would use."""
    return contact_methods(session, user.id) or [rule.contact for rule in rules_for(session, user)]


def _lock_user(session: Session, user: User) -> bool:
    """Lock the person's user row for this transaction and reload it; False if it is gone.

    Taken before the last round is read, so of two simultaneous requests the second reads
    the first's round and is refused. A no-op UPDATE, like `incidents.lock_by_id`: the row
    lock on PostgreSQL, the write lock on SQLite (where a read alone would not take it).
    """
    session.flush()
    found = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(active=User.active)
        .execution_options(synchronize_session=False)
    )
    if not found.rowcount:  # type: ignore[attr-defined]
        return False
    session.refresh(user)
    return True


def _check_interval(session: Session, clock: Clock, user: User) -> None:
    last = session.scalar(
        select(func.max(Message.created_at)).where(
            Message.user_id == user.id, Message.purpose == TEST_PURPOSE
        )
    )
    if last is None:
        return
    wait = (last + TEST_INTERVAL - clock.now()).total_seconds()
    if wait > 0:
        raise TooSoon(
            f"{user.email} was sent test pages less than {TEST_INTERVAL} ago",
            field="user",
            retry_after=max(1, math.ceil(wait)),
        )


@dataclass(frozen=True)
class Unreachable:
    user: str
    schedules: list[str]
    reason: str


def on_call_between(session: Session, clock: Clock, days: int) -> dict[str, list[str]]:
    """E-mail -> the schedules on which that person is on call from now for `days` days."""
    start = clock.now()
    end = start + timedelta(days=days)
    found: dict[str, list[str]] = {}
    rows = session.scalars(select(Schedule).where(Schedule.active.is_(True)).order_by(Schedule.key))
    for row in rows:
        for shift in pure.shifts(to_pure(row), start, end):
            if shift.user and row.key not in found.setdefault(shift.user, []):
                found[shift.user].append(row.key)
    return found


def unreachable_on_call(
    session: Session, clock: Clock, settings: Settings, days: int = 7
) -> list[Unreachable]:
    """Everyone on call in the next `days` days who has no working contact method."""
    if not 1 <= days <= 90:
        raise Invalid("days must be 1-90", field="days")
    result = []
    for email, keys in sorted(on_call_between(session, clock, days).items()):
        user = session.scalar(select(User).where(User.email == email))
        reason = _why_unreachable(session, settings, user)
        if reason:
            result.append(Unreachable(email, keys, reason))
    return result


FALLBACK = "no contact method configured: pages go by e-mail to their address (WARROOM_SMTP_URL)"
NO_SMTP = "WARROOM_SMTP_URL is not a URL warroom can send e-mail through"


def _why_unreachable(session: Session, settings: Settings, user: User | None) -> str | None:
    """Why none of the methods a page would use works (those paging uses: the e-mail to the
    person's address when none is configured); None when one may work."""
    if user is None or not user.active:
        return "no active user with this e-mail"
    configured = contact_methods(session, user.id)
    methods = configured or [rule.contact for rule in rules_for(session, user)]
    sendable = [m for m in methods if is_supported(contact_url(m, settings.smtp_url))]
    last = _last_states(session, user.id, sendable)
    if sendable and not (
        len(last) == len(sendable) and all(state == "failed" for state in last.values())
    ):
        return None
    if not configured:
        why = NO_SMTP if not sendable else "the last e-mail failed"
        return f"{FALLBACK}, and {why}"
    if not sendable:
        return "no contact method can be sent through (e-mail needs WARROOM_SMTP_URL)"
    return "the last message to each contact method failed"


def _last_states(session: Session, user_id: int, methods: list[ContactMethod]) -> dict[str, str]:
    """The state of the last finished message on each of the person's channels."""
    names = [m.name for m in methods]
    rows = session.execute(
        select(Message.channel, Message.state)
        .where(
            Message.user_id == user_id,
            Message.channel.in_(names),
            Message.state.in_(("sent", "failed")),
        )
        .order_by(Message.id)
    )
    return {channel: state for channel, state in rows if channel}
