"""`POST /api/v1/users/invite` (admin): a one-time link for a person to set their web UI password.

It lives with the web UI rather than in the auth domain because `send` e-mails the link through
the notify domain (which itself depends on auth). The e-mail is a durable engine job, sent after
the commit, through WARROOM_SMTP_URL; its text is the `invite_email.txt` template.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from warroom.auth import invites
from warroom.auth.models import Invite, User
from warroom.auth.schemas import Role
from warroom.clock import Clock
from warroom.deps import Admin, ClockDep, SessionDep, SettingsDep
from warroom.mailto import mail_url
from warroom.notify import service as notify
from warroom.openapi import API_ERRORS
from warroom.settings import Settings
from warroom.web.render import templates

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=API_ERRORS)


class InviteCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    name: str | None = Field(default=None, max_length=200, description="For a new person")
    role: Role | None = Field(default=None, description="New people default to viewer")
    send: bool = Field(default=False, description="Also e-mail the link (WARROOM_SMTP_URL)")
    reset: bool = Field(
        default=False,
        description="The person already has a password: replace it (a password reset link)",
    )


class InviteOut(BaseModel):
    email: str
    name: str
    role: Role
    link: str = Field(description="The one-time link; shown once, stored only as a hash")
    expires_at: datetime
    sent_to: str | None = Field(description="The address the link was e-mailed to, if sent")


def send_invite(
    session: Session,
    clock: Clock,
    settings: Settings,
    user: User,
    row: Invite,
    link: str,
    *,
    inviter: str,
) -> None:
    """Queue the invite e-mail (an engine job, sent after the commit; also the admin page's)."""
    text = templates.get_template("invite_email.txt").render(
        user=user, link=link, expires_at=row.expires_at, inviter=inviter
    )
    notify.queue_message(
        session,
        clock,
        url=mail_url(settings.smtp_url, user.email),
        title="Your warroom sign-in",
        body=text,
        incident_id=None,
        user_id=user.id,
        idempotency_key=f"invite:{row.id}",
        purpose="invite",
    )


@router.post("/users/invite", response_model=InviteOut, status_code=201)
def invite(
    body: InviteCreate,
    principal: Admin,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> InviteOut:
    user, row, token = invites.create_invite(
        session,
        clock,
        principal,
        email=body.email,
        name=body.name,
        role=body.role,
        valid_seconds=settings.invite_valid_seconds,
        reset=body.reset,
    )
    link = invites.invite_link(settings.public_url, token)
    if body.send:
        send_invite(session, clock, settings, user, row, link, inviter=principal.email)
    session.commit()
    return InviteOut(
        email=user.email,
        name=user.name,
        role=user.role,
        link=link,
        expires_at=row.expires_at,
        sent_to=user.email if body.send else None,
    )
