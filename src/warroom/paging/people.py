"""People as paging sees them: contact methods, notification rules, and who a target means."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, object_session

from warroom import memo
from warroom.auth.models import User
from warroom.catalog.models import Team, TeamMember
from warroom.errors import Invalid
from warroom.paging import schedules as pure
from warroom.paging.escalation import parse_target
from warroom.paging.models import (
    Channel,
    ContactMethod,
    EscalationPolicy,
    NotificationRule,
    Schedule,
    ScheduleOverride,
    UserFeed,
)
from warroom.paging.rotations import Rotation, parse_restriction, parse_time


@dataclass(frozen=True)
class Rule:
    """Notify `user` through `contact` `after_s` seconds after the page."""

    contact: ContactMethod
    after_s: int


# The channel name of the e-mail a person with no contact method is paged by: pages, test pages
# and `oncall --check` tell it from a contact method someone configured and named "email".
FALLBACK_CHANNEL = "email (no contact method)"


def rules_for(session: Session, user: User) -> list[Rule]:
    """A person's notification rules; without rules, every contact method at once; without
    contact methods (a user made outside config), an e-mail to their address."""
    return memo.remember(session, ("paging.rules", user.id), lambda: _read_rules(session, user))


def _read_rules(session: Session, user: User) -> list[Rule]:
    rows = session.execute(
        select(NotificationRule, ContactMethod)
        .join(ContactMethod, NotificationRule.contact_method_id == ContactMethod.id)
        .where(NotificationRule.user_id == user.id)
        .order_by(NotificationRule.after_s, NotificationRule.id)
    ).all()
    if rows:
        return [Rule(contact, rule.after_s) for rule, contact in rows]
    methods = session.scalars(
        select(ContactMethod).where(ContactMethod.user_id == user.id).order_by(ContactMethod.id)
    )
    found = [Rule(m, 0) for m in methods]
    if not found:
        fallback = ContactMethod(
            user_id=user.id, name=FALLBACK_CHANNEL, kind="email", address=user.email
        )
        found = [Rule(fallback, 0)]
    return found


# Built once (bound at each use): paging reads these for every incident it pages.
_USERS = select(User).where(User.email.in_(bindparam("emails", expanding=True)))
_ACTIVE_SCHEDULE = select(Schedule).where(
    Schedule.key == bindparam("key"), Schedule.active.is_(True)
)


def users_by_email(session: Session, emails: list[str]) -> dict[str, User]:
    wanted = sorted({e.lower() for e in emails})
    if not wanted:
        return {}
    return memo.remember(
        session,
        ("paging.users", tuple(wanted)),
        lambda: {u.email: u for u in session.scalars(_USERS, {"emails": wanted})},
    )


def schedule_row(session: Session, key: str) -> Schedule | None:
    return memo.remember(
        session, ("paging.schedule", key), lambda: session.scalar(_ACTIVE_SCHEDULE, {"key": key})
    )


def to_pure(row: Schedule, overrides: list[ScheduleOverride] | None = None) -> pure.Schedule:
    """The pure schedule of a row (layers as stored by config) with its overrides.

    A person who is no longer an active user puts nobody on call: their turns on a layer stay
    in place but are empty (`pure.Layer.absent`, lower layers show through) and their
    overrides are left out. Nobody could be paged through them, so paging, `warroom oncall`,
    shift listings and feeds all agree."""
    overrides = row.overrides if overrides is None else overrides
    participants = [email for data in row.layers for email in data["participants"]]
    users = _users_of(row, participants + [o.user_email for o in overrides])
    layers = []
    for data in row.layers:
        rotation = Rotation(
            participants=tuple(data["participants"]),
            start=datetime.fromisoformat(data["start"]),
            shift=data["shift"],
            length=int(data["length"]),
            time_zone=data.get("time_zone") or row.time_zone,
            handoff=parse_time(data["handoff"]) if data.get("handoff") else None,
        )
        restrictions = tuple(
            parse_restriction(r["days"], r["start"], r["end"]) for r in data.get("restrictions", [])
        )
        end = datetime.fromisoformat(data["end"]) if data.get("end") else None
        absent = frozenset(
            email
            for email in data["participants"]
            if users is not None and not _active(users.get(email.lower()))
        )
        layer = pure.Layer(data["name"], rotation, int(data.get("priority", 0)), restrictions, end)
        layers.append(replace(layer, absent=absent) if absent else layer)
    found = [o for o in overrides if users is None or _active(users.get(o.user_email.lower()))]
    return pure.Schedule(
        row.key,
        tuple(layers),
        tuple(
            pure.Override(o.user_email, o.start_at, o.end_at, o.replaces_email, o.id) for o in found
        ),
        row.time_zone,
        row.name,
    )


def _users_of(row: Schedule, emails: list[str]) -> dict[str, User] | None:
    """The users behind a schedule's participants and overrides (one read, remembered for
    the transaction); None for a row outside a session (nothing to look up)."""
    session = object_session(row)
    if session is None:
        return None
    return users_by_email(session, emails)


def _active(user: User | None) -> bool:
    return user is not None and user.active


def covering_overrides(session: Session, email: str, after: datetime) -> list[ScheduleOverride]:
    """A person's overrides on active schedules that end after `after`, by start."""
    return list(
        session.scalars(
            select(ScheduleOverride)
            .join(Schedule, Schedule.id == ScheduleOverride.schedule_id)
            .where(
                ScheduleOverride.user_email == email.lower(),
                ScheduleOverride.end_at > after,
                Schedule.active.is_(True),
            )
            .order_by(ScheduleOverride.start_at, ScheduleOverride.id)
        )
    )


def deactivated_targets(session: Session, targets: list[str]) -> list[str]:
    """The `user:`, `schedule:` and `channel:` targets that name a deactivated row (removed
    from config): such a target means nobody, whoever it meant when it was written."""
    found: list[str] = []
    for target in targets:
        try:
            kind, name = parse_target(target)
        except ValueError:
            continue
        if kind == "user":
            user = users_by_email(session, [name]).get(name.lower())
            gone = user is not None and not user.active
        elif kind == "schedule" and schedule_row(session, name) is not None:
            gone = False  # active (the row paging reads next, remembered where memo is on)
        elif kind in ("schedule", "channel"):
            gone = _deactivated(session, Schedule if kind == "schedule" else Channel, name)
        else:
            gone = False
        if gone:
            found.append(target)
    return found


def _deactivated(session: Session, model: type[Schedule] | type[Channel], name: str) -> bool:
    def read() -> bool:
        return session.scalar(select(model.active).where(model.key == name)) is False

    return memo.remember(session, ("paging.deactivated", model.__tablename__, name), read)


def on_call(row: Schedule, when: datetime) -> list[str]:
    """Who is on call on a schedule at `when` (nobody: an empty list)."""
    user = pure.on_call_at(to_pure(row), when).user
    return [user] if user else []


def resolve_target(session: Session, target: str, when: datetime) -> list[str]:
    """The e-mails a target means at `when`: a user, an on-call, a team's members.

    `channel:` targets mean no person (see `warroom.paging.channels`).
    """
    try:
        kind, name = parse_target(target)
    except ValueError as exc:
        raise Invalid(str(exc), field="targets") from exc
    if kind == "user":
        return [name.lower()]
    if kind == "schedule":
        row = schedule_row(session, name)
        return [] if row is None else on_call(row, when)
    if kind == "members":
        return team_members(session, name)
    if kind == "channel":
        return []
    if kind == "policy":
        policy = session.scalar(select(EscalationPolicy).where(EscalationPolicy.key == name))
        if policy is None or not policy.levels:
            return []
        found: list[str] = []
        for inner in policy.levels[0].get("targets", []):
            if not inner.startswith("policy:"):
                found += resolve_target(session, inner, when)
        return found
    return team_on_call(session, name, when)


def team_schedules(session: Session, key: str) -> list[Schedule]:
    """The schedule a team names (`teams[].schedule`), else the schedules that name the team."""
    named = session.scalar(select(Team.schedule_key).where(Team.key == key))
    if named:
        row = schedule_row(session, named)
        return [] if row is None else [row]
    return list(
        session.scalars(
            select(Schedule)
            .where(Schedule.team_key == key, Schedule.active.is_(True))
            .order_by(Schedule.key)
        )
    )


def team_on_call(session: Session, key: str, when: datetime) -> list[str]:
    """`oncall:TEAM` (and the old `team:TEAM`): whoever is on call on the team's schedule."""
    found: list[str] = []
    for row in team_schedules(session, key):
        found += [e for e in on_call(row, when) if e not in found]
    return found


def team_members(session: Session, key: str) -> list[str]:
    """`members:TEAM`: every active member and lead of an active team."""
    return list(
        session.scalars(
            select(User.email)
            .join(TeamMember, TeamMember.user_id == User.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.key == key, Team.active.is_(True), User.active.is_(True))
            .order_by(User.email)
        )
    )


def resolve_targets(session: Session, targets: list[str], when: datetime) -> list[tuple[str, User]]:
    """(target, user) for every active person the targets mean, each person once."""
    pairs: list[tuple[str, str]] = []
    for target in targets:
        pairs += [(target, email) for email in resolve_target(session, target, when)]
    users = users_by_email(session, [email for _, email in pairs])
    seen: set[int] = set()
    result: list[tuple[str, User]] = []
    for target, email in pairs:
        user = users.get(email.lower())
        if user is not None and user.active and user.id not in seen:
            seen.add(user.id)
            result.append((target, user))
    return result


def end_feeds(session: Session, user_id: int) -> int:
    """Void a person's calendar feed (they were deactivated): a feed asked for later gets a
    new token; the old URL stays dead. How many feeds ended (0 or 1)."""
    result = session.execute(delete(UserFeed).where(UserFeed.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def user_feed_token(session: Session, user: User) -> str:
    """The secret token of a person's iCalendar feed, made on first use."""
    feed = session.scalar(select(UserFeed).where(UserFeed.user_id == user.id))
    if feed is None:
        feed = UserFeed(user_id=user.id, feed_token=new_feed_token())
        session.add(feed)
        session.flush()
    return feed.feed_token


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
