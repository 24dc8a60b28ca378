"""A person is deactivated: every credential they hold ends for good.

Their API tokens are revoked (with every token those minted), their web sessions end, their
pending invite links are spent, and `deactivated_at` voids the signed page links sent to them
before (`paging.links.check_holder`); credentials other domains keep (paging's calendar
feeds) end through `OTHER_CREDENTIALS`, which the composition root fills. None of it comes
back when they are reactivated: they get new credentials. Every way of deactivating a person
calls this: the admin page (`auth.admin.set_active`) and a config apply that drops them
(`catalog.sync.apply_users`).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.auth.models import ApiToken, Invite, User
from warroom.auth.service import revoke_tokens
from warroom.auth.sessions import end_sessions_of
from warroom.clock import Clock

# name -> a function ending that kind of credential of a user id (how many ended); filled by
# `warroom.wiring.install` (paging's calendar feeds), since those domains import auth.
OTHER_CREDENTIALS: dict[str, Callable[[Session, int], int]] = {}


def end_credentials(session: Session, clock: Clock, user: User) -> dict[str, int]:
    """End everything user holds; returns how many tokens, sessions and invites ended."""
    now = clock.now()
    user.deactivated_at = now
    tokens = list(session.scalars(select(ApiToken.id).where(ApiToken.user_id == user.id)))
    spent = session.execute(
        update(Invite)
        .where(Invite.user_id == user.id, Invite.used_at.is_(None))
        .values(used_at=now)
    )
    ended = {
        "tokens": revoke_tokens(session, clock, tokens),
        "sessions": end_sessions_of(session, clock, user.id),
        "invites": int(getattr(spent, "rowcount", 0) or 0),
    }
    for name, end in sorted(OTHER_CREDENTIALS.items()):
        ended[name] = end(session, user.id)
    return ended
