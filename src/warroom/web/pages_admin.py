"""Admin pages (admin role only): people (role, deactivate/reactivate, invite links) and API
tokens (list with prefix and last use, revoke, mint). A new token's secret and a new invite
link are shown once, in the answer to the form that made them (never stored, never flashed,
never cached), exactly as the API hands them out once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.auth import admin as people
from warroom.auth import invites
from warroom.auth import service as auth_service
from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep, SettingsDep
from warroom.errors import Invalid, WarroomError
from warroom.principal import ROLES, Principal
from warroom.web import formkit
from warroom.web.api_invites import send_invite
from warroom.web.deps import CsrfForm, UiAdmin, flash
from warroom.web.formkit import person_zone, say
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/ui/admin"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _page(
    request: Request,
    session: Session,
    me: Principal,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    users = auth_service.list_users(session)
    tokens = [(u, t) for u in users for t in auth_service.list_tokens(session, u.id)]
    context = {
        "users": users,
        "tokens": sorted(tokens, key=lambda ut: ut[1].id, reverse=True),
        "roles": ROLES,
        "tz": person_zone(session, me),
        "form": {},
        **(extra or {}),
    }
    response = render(request, "admin.html", context, status_code=status)
    response.headers.update(NO_STORE)
    return response


@router.get(PAGE, response_class=HTMLResponse)
def admin_page(request: Request, me: UiAdmin, session: SessionDep) -> Response:
    return _page(request, session, me)


def _done(request: Request, text: str) -> RedirectResponse:
    flash(request, "ok", text)
    return RedirectResponse(PAGE, status_code=303)


def _refused(request: Request, session: Session, me: Principal, exc: WarroomError) -> Response:
    session.rollback()
    flash(request, "error", say(exc))
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/users/{{user_id}}/role")
def change_role(
    request: Request,
    user_id: int,
    me: UiAdmin,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        user = people.change_role(session, clock, me, user_id, str(form.get("role") or ""))
    except WarroomError as exc:
        return _refused(request, session, me, exc)
    session.commit()
    return _done(request, f"{user.email} is now {user.role}")


@router.post(f"{PAGE}/users/{{user_id}}/active")
def set_active(
    request: Request,
    user_id: int,
    me: UiAdmin,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    active = form.get("active") == "1"
    try:
        user = people.set_active(session, clock, me, user_id, active)
    except WarroomError as exc:
        return _refused(request, session, me, exc)
    session.commit()
    return _done(request, f"{user.email} {'reactivated' if active else 'deactivated'}")


@router.post(f"{PAGE}/invites", response_class=HTMLResponse)
def invite(
    request: Request,
    me: UiAdmin,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """A one-time invite link for a person (created if new), shown once on the answer and
    e-mailed when asked (the API's invite e-mail, a durable engine job)."""
    values = formkit.values(form, ("email", "name", "role", "send", "reset"))
    send = values["send"] == "1"
    try:
        if send and not settings.smtp_url:
            raise Invalid("e-mail is not set up (WARROOM_SMTP_URL); copy the link", field="send")
        user, row, token = invites.create_invite(
            session,
            clock,
            me,
            email=formkit.required(values, "email"),
            name=values["name"] or None,
            role=values["role"] or None,
            valid_seconds=settings.invite_valid_seconds,
            reset=values["reset"] == "1",
        )
    except WarroomError as exc:
        session.rollback()
        extra = {"form": values, "invite_error": say(exc), "invite_field": exc.field}
        return _page(request, session, me, extra, status=exc.status_code)
    link = invites.invite_link(settings.public_url, token)
    if send:
        send_invite(session, clock, settings, user, row, link, inviter=me.email)
    session.commit()
    invited = {"user": user, "link": link, "sent": send}
    return _page(request, session, me, {"invited": invited})


@router.post(f"{PAGE}/tokens", response_class=HTMLResponse)
def mint_token(
    request: Request, me: UiAdmin, form: CsrfForm, session: SessionDep, clock: ClockDep
) -> Response:
    """Mint an API token (for anyone, as an admin); its secret is shown on this answer only."""
    values = formkit.values(form, ("name", "role", "user_email"))
    try:
        token, plaintext = _mint(session, clock, me, values)
    except WarroomError as exc:
        session.rollback()
        extra = {"form": values, "token_error": say(exc), "token_field": exc.field}
        return _page(request, session, me, extra, status=exc.status_code)
    session.commit()
    minted = {"token": token, "plaintext": plaintext, "user": token.user.email}
    return _page(request, session, me, {"minted": minted})


def _mint(session: Session, clock: Clock, me: Principal, values: dict[str, str]) -> Any:
    name = formkit.required(values, "name")
    if len(name) > 200:
        raise Invalid("name: at most 200 characters", field="name")
    role = values["role"] or None
    if role is not None and role not in ROLES:
        raise Invalid(f"unknown role {role!r}; one of {', '.join(ROLES)}", field="role")
    return auth_service.mint_token(
        session, clock, me, name=name, role=role, user_email=values["user_email"] or None
    )


@router.post(f"{PAGE}/tokens/{{token_id}}/revoke")
def revoke_token(
    request: Request,
    token_id: int,
    me: UiAdmin,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        token = auth_service.revoke_token(session, clock, me, token_id)
    except WarroomError as exc:
        return _refused(request, session, me, exc)
    session.commit()
    return _done(request, f"Token {token.prefix}… ({token.name}) revoked")
