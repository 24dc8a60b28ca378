"""Routes to see what was sent to whom: the notification outbox, as people may see it.

They live with paging, above both the outbox (`warroom.notify`) and incidents, because what a
caller may see depends on incident privacy; the outbox itself knows nothing of incidents.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from warroom.auth import invites
from warroom.deps import Responder, SessionDep, Viewer
from warroom.errors import NotFound
from warroom.incidents.access import hidden_incident_ids, may_see_incident_id
from warroom.notify import service
from warroom.notify.schemas import MessageOut, MessageText
from warroom.openapi import API_ERRORS, IdPath, OptionalIdQuery

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], responses=API_ERRORS)


@router.get("", response_model=list[MessageOut])
def list_messages(
    principal: Viewer,
    session: SessionDep,
    incident_id: OptionalIdQuery = None,
    user_id: OptionalIdQuery = None,
    state: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[MessageOut]:
    # Messages about private incidents the caller is no member of are not shown at all.
    hidden = hidden_incident_ids(session, principal)
    messages = service.list_messages(
        session, incident_id=incident_id, user_id=user_id, state=state, limit=limit, hidden=hidden
    )
    return [MessageOut.of(m) for m in messages]


@router.get("/{message_id}", response_model=MessageOut)
def get_message(message_id: IdPath, principal: Viewer, session: SessionDep) -> MessageOut:
    message = service.get_message(session, message_id)
    if not may_see_incident_id(session, principal, message.incident_id):
        raise NotFound(f"no notification {message_id}", field="message_id")
    return MessageOut.of(message)


@router.get("/{message_id}/text", response_model=MessageText)
def read_message(message_id: IdPath, principal: Responder, session: SessionDep) -> MessageText:
    """The outbox: a message's text as sent (or as it would have been), e.g. when no SMTP
    server took it. Responders only: a page's text carries its one-click acknowledge link."""
    message = service.get_message(session, message_id)
    if not may_see_incident_id(session, principal, message.incident_id):
        raise NotFound(f"no notification {message_id}", field="message_id")
    text = MessageText.of_text(message)
    if principal.user_id == message.user_id:
        return text
    # One-click links act in their recipient's name: another responder sees only where they
    # were. An admin sees page links, and an invite link only if they made it: it signs its
    # holder in as the invitee, and the audit log names who made it, not who used it.
    links = _ONE_CLICK
    if principal.allows("admin"):
        if _invite_maker(session, message.idempotency_key) in (None, principal.email):
            return text
        links = _INVITE
    hidden = links.sub(r"\1… (a personal link: only its recipient sees it)", text.body)
    return text.model_copy(update={"body": hidden})


# An invite link sets its invitee's password: a credential as much as a page's ack link.
_ONE_CLICK = re.compile(
    r"(/p/|/invite/|/status/subscribers/(?:confirm|unsubscribe)/)[A-Za-z0-9_.~-]+"
)
_INVITE = re.compile(r"(/invite/)[A-Za-z0-9_.~-]+")


def _invite_maker(session: Session, key: str) -> str | None:
    """Who made the invite an invite e-mail carries (its key is `invite:<id>`); None for any
    other message."""
    kind, _, number = key.partition(":")
    if kind != "invite" or not number.isdigit():
        return None
    return invites.made_by(session, int(number)) or ""
