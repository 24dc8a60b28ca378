"""Signing in and out of the web UI, and accepting an invite: /login, /logout, /invite/{token}.

`setup(app)` installs what every UI page relies on: the security headers and cookies
(`UiHeaders`), the static files at /ui/static, the redirect to /login for `LoginRequired`
and HTML error pages for errors raised under UI paths (the JSON API keeps JSON errors).
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom.auth import invites, passwords
from warroom.auth.sessions import (
    GENERIC_FAILURE,
    TooManyAttempts,
    count_attempt,
    end_session,
    sign_in,
)
from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep
from warroom.errors import NotFound, Unauthorized, WarroomError
from warroom.web.csrf import SESSION_COOKIE, drop_session_cookie, flash, set_cookie
from warroom.web.deps import (
    CsrfForm,
    CsrfRefused,
    LoginRequired,
    OptionalUser,
    PageForbidden,
    limits,
)
from warroom.web.render import STATIC_DIR, render
from warroom.web.security import UiHeaders, is_ui_path

router = APIRouter(include_in_schema=False)
_UNSAFE = re.compile(r"[\x00-\x1f\\]")
MAX_EMAIL = 320  # characters of an e-mail address a person may have


def safe_next(value: str | None) -> str:
    """A local path to go to after sign-in; anything else (another site, `//host`) is `/`."""
    if not value or not value.startswith("/") or value.startswith("//") or _UNSAFE.search(value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _sign_in_cookie(request: Request, session: Session, clock: Clock, token: str) -> None:
    """Hand the browser its new session; the one it held (another person's, or its own
    before) ends on the server, so nobody stays signed in behind the new person's back."""
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        end_session(session, clock, previous)
    session.commit()
    set_cookie(request, SESSION_COOKIE, token, max_age=int(limits(request).max_seconds))


@router.get("/login")
def login_page(request: Request, me: OptionalUser, next: str | None = None) -> Response:
    if me is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
def login(
    request: Request,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else None
    context: dict[str, Any] = {"next": safe_next(next[:2000]), "email": email}
    if len(email) > MAX_EMAIL or len(password) > passwords.MAX_LENGTH:
        # No such account, no such password: the answer of any failed sign-in, on the form
        # (not a validation page), without hashing the paste or showing it back.
        failed = context | {"email": "", "error": GENERIC_FAILURE}
        return render(request, "login.html", failed, status_code=401)
    try:
        attempt = count_attempt(
            session, clock, email=email, address=address, limits=limits(request)
        )
        session.commit()  # counted before the (slow) password check: a burst gets no more
        _, token = sign_in(
            session, clock, email=email, password=password, attempt=attempt, limits=limits(request)
        )
    except TooManyAttempts as exc:
        session.rollback()  # lets the next attempt on this account take its turn now
        return render(request, "login.html", context | {"error": exc.message}, status_code=429)
    except Unauthorized as exc:
        return render(request, "login.html", context | {"error": exc.message}, status_code=401)
    _sign_in_cookie(request, session, clock, token)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, form: CsrfForm, session: SessionDep, clock: ClockDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(session, clock, token)
        session.commit()
    drop_session_cookie(request)
    flash(request, "info", "You are signed out.")
    return RedirectResponse("/login", status_code=303)


@router.get("/invite/{token}")
def invite_page(token: str, request: Request, session: SessionDep, clock: ClockDep) -> Response:
    invite = invites.open_invite(session, clock, token)
    return render(request, "invite.html", {"token": token, "invitee": invite.user})


@router.post("/invite/{token}")
def accept_invite(
    token: str,
    request: Request,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
    password: Annotated[str, Form(max_length=2048)] = "",
    confirm: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    invite = invites.open_invite(session, clock, token)
    context = {"token": token, "invitee": invite.user}
    if password != confirm:
        error = "the two passwords differ"
        return render(request, "invite.html", context | {"error": error}, status_code=422)
    try:
        user, session_token = invites.accept_invite(session, clock, token, password)
    except WarroomError as exc:
        if isinstance(exc, NotFound):
            raise
        return render(request, "invite.html", context | {"error": exc.message}, status_code=422)
    _sign_in_cookie(request, session, clock, session_token)
    flash(request, "ok", f"Welcome, {user.name}: your password is set and you are signed in.")
    return RedirectResponse("/", status_code=303)


# -- what every UI page relies on ---------------------------------------------------------------


def _error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", {"status": status, "message": message}, status)


def setup(app: FastAPI) -> None:
    """Headers, static files, the login redirect and HTML error pages for UI paths."""
    app.add_middleware(UiHeaders)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui_static")

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        target = "/login" + (f"?next={quote(exc.next_path)}" if exc.next_path != "/" else "")
        return RedirectResponse(target, status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageForbidden)
        return _error_page(request, 403, exc.message)

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        message = "this form expired or came from another site; reload the page and try again"
        return _error_page(request, 403, message)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PageForbidden, forbidden)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    _html_errors_on_ui_paths(app)


def _html_errors_on_ui_paths(app: FastAPI) -> None:
    """Errors under UI paths become pages; elsewhere the existing JSON handlers answer."""
    for kind in (WarroomError, StarletteHTTPException, RequestValidationError):
        json_handler = app.exception_handlers.get(kind)
        if json_handler is None:
            continue

        def make(original: Any) -> Any:
            async def handler(request: Request, exc: Exception) -> Response:
                if not is_ui_path(request.url.path) or request.url.path.startswith("/ui/static"):
                    response: Response = await original(request, exc)
                    return response
                return _error_page(request, *_status_and_message(exc))

            return handler

        app.add_exception_handler(kind, make(json_handler))


def _status_and_message(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, WarroomError):
        return exc.status_code, exc.message
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:])
        return 422, f"{field}: {first.get('msg', 'invalid')}" if field else "invalid request"
    assert isinstance(exc, StarletteHTTPException)
    return exc.status_code, str(exc.detail)
