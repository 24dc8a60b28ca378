"""Routes to see what was sent to whom: the notification outbox."""

from __future__ import annotations

from fastapi import APIRouter, Query

from warroom.deps import SessionDep, Viewer
from warroom.notify import service
from warroom.notify.schemas import MessageOut

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("", response_model=list[MessageOut])
def list_messages(
    _: Viewer,
    session: SessionDep,
    incident_id: int | None = None,
    user_id: int | None = None,
    state: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[MessageOut]:
    messages = service.list_messages(
        session, incident_id=incident_id, user_id=user_id, state=state, limit=limit
    )
    return [MessageOut.of(m) for m in messages]


@router.get("/{message_id}", response_model=MessageOut)
def get_message(message_id: int, _: Viewer, session: SessionDep) -> MessageOut:
    return MessageOut.of(service.get_message(session, message_id))
