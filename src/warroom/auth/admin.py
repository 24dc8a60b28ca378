"""An admin changes a person's role or deactivates (or reactivates) them.

People written by the config files (`managed`) are changed in those files, not here: the next
`config apply` would silently undo the change. Nobody changes their own role or deactivates
themselves, and the last active admin stays an active admin, so warroom always has one.
Deactivating a person ends every credential they hold for good (`auth.offboard`: their API
tokens are revoked, web sessions end, invites and page links are void); reactivating them
brings none back. Each change is a global timeline event.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.auth.offboard import end_credentials
from warroom.auth.service import PEOPLE_TURN
from warroom.clock import Clock
from warroom.db import take_turns
from warroom.errors import Conflict, Forbidden, NotFound
from warroom.principal import Principal, role_rank


def _target(session: Session, principal: Principal, user_id: int, field: str) -> User:
    if not principal.allows("admin"):
        raise Forbidden("only admins may change people", field=field)
    # Changes of people run in turns, and the caller must still be an active admin once it is
    # theirs: an admin demoted by a change just before (theirs was waiting) changes nobody.
    take_turns(session, PEOPLE_TURN)
    me = session.get(User, principal.user_id)
    if me is None or not me.active or me.role != "admin":
        raise Forbidden("only admins may change people; you are no longer one", field=field)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", field="user_id")
    if user.id == principal.user_id:
        raise Conflict("you cannot change your own role or deactivate yourself", field=field)
    if user.managed:
        raise Conflict(
            f"{user.email} comes from the config files; change them there (`config apply` "
            "would undo a change made here)",
            field=field,
        )
    return user


def _other_active_admins(session: Session, user: User) -> int:
    # Counted in turns (_target): two admins taking each other's role at once both counted
    # the other as still there, and warroom was left with none.
    query = select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user.id
    )
    return int(session.scalar(query) or 0)


def change_role(
    session: Session, clock: Clock, principal: Principal, user_id: int, role: str
) -> User:
    """Give a person another role (admin only); records auth:user:role_changed."""
    role_rank(role)
    user = _target(session, principal, user_id, "role")
    if user.role == role:
        return user
    if user.role == "admin" and user.active and _other_active_admins(session, user) == 0:
        raise Conflict(f"{user.email} is the last active admin", field="role")
    before, user.role = user.role, role
    timeline.record(
        session,
        clock,
        incident_id=None,
        kind="auth:user:role_changed",
        actor=principal.actor,
        payload={"user": user.email, "from": before, "to": role},
    )
    return user


def set_active(
    session: Session, clock: Clock, principal: Principal, user_id: int, active: bool
) -> User:
    """Deactivate (ending their credentials) or reactivate a person (admin only)."""
    user = _target(session, principal, user_id, "active")
    if user.active == active:
        return user
    if not active and user.role == "admin" and _other_active_admins(session, user) == 0:
        raise Conflict(f"{user.email} is the last active admin", field="active")
    user.active = active
    payload: dict[str, object] = {"user": user.email}
    if not active:
        payload["ended"] = end_credentials(session, clock, user)
    timeline.record(
        session,
        clock,
        incident_id=None,
        kind="auth:user:" + ("reactivated" if active else "deactivated"),
        actor=principal.actor,
        payload=payload,
    )
    return user
