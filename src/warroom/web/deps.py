"""FastAPI dependencies of the web UI: who is signed in, role checks, CSRF-checked forms.

`UiViewer`, `UiResponder`, `UiAdmin`: the signed-in person from the session cookie; not signed
in → `LoginRequired` (a 303 to /login?next=<path>); role too low → `PageForbidden` (a 403
page). `CsrfForm`: the submitted form, after its `csrf_token` was checked (403 otherwise); under
/ui/ it also requires a signed-in person, so an anonymous POST is sent to the login page first.
Bearer tokens are no credential here, and the session cookie is none for the JSON API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData

from warroom.auth.sessions import SessionLimits, session_principal
from warroom.deps import ClockDep, SessionDep
from warroom.errors import Invalid
from warroom.openapi import unstorable_field
from warroom.principal import Principal
from warroom.settings import Settings
from warroom.web.csrf import FIELD, SESSION_COOKIE, csrf_ok, drop_session_cookie, flash

__all__ = [
    "CsrfForm",
    "LoginRequired",
    "OptionalUser",
    "PageForbidden",
    "UiAdmin",
    "UiResponder",
    "UiViewer",
    "flash",
    "limits",
]


class LoginRequired(Exception):
    """Not signed in: the app answers 303 to /login?next=<next_path>."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """Signed in, but not allowed: the app answers a 403 page with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def limits(request: Request) -> SessionLimits:
    settings: Settings = request.app.state.settings
    return SessionLimits(
        idle_seconds=settings.session_idle_seconds,
        max_seconds=settings.session_max_seconds,
        failures_per_account=settings.login_max_failures_per_account,
        failures_per_address=settings.login_max_failures_per_address,
        window_seconds=settings.login_window_seconds,
    )


def current_user(request: Request, session: SessionDep, clock: ClockDep) -> Principal | None:
    """The person signed in with this browser's session cookie, or None."""
    _refuse_unstorable_query(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    principal = session_principal(session, clock, token, limits(request))
    session.commit()  # persists last_seen_at, or the end of an expired session
    if principal is None:
        drop_session_cookie(request)
    request.state.principal = principal
    return principal


OptionalUser = Annotated[Principal | None, Depends(current_user)]


def _came_from(request: Request) -> str:
    """The page a form was sent from: its Referer when that is this server, else `/`."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return "/"
    return referer.path + (f"?{referer.query}" if referer.query else "")


def sign_in_first(request: Request) -> LoginRequired:
    """Not signed in (any more): back here after signing in. A form is not sent again, and
    its address is no page, so the person returns to the page the form was on and is told."""
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return LoginRequired(request.url.path + (f"?{query}" if query else ""))
    if request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none"):
        # Not when another site's page sent it (a forged form): its browser may be signed in.
        flash(
            request,
            "error",
            "You were signed out, so that form was not sent; sign in and send it again.",
        )
    return LoginRequired(_came_from(request))


def require_ui(role: str) -> Callable[[Request, Principal | None], Awaitable[Principal]]:
    """A dependency: the signed-in person, if their role is at least `role`."""

    async def check(request: Request, principal: OptionalUser) -> Principal:
        if principal is None:
            raise sign_in_first(request)
        if not principal.allows(role):
            raise PageForbidden(f"this page needs the {role} role; you are a {principal.role}")
        return principal

    return check


UiViewer = Annotated[Principal, Depends(require_ui("viewer"))]
UiResponder = Annotated[Principal, Depends(require_ui("responder"))]
UiAdmin = Annotated[Principal, Depends(require_ui("admin"))]


class CsrfRefused(Exception):
    """A form without the right csrf_token: a 403 page."""


async def csrf_form(request: Request, principal: OptionalUser) -> FormData:
    """The submitted form once its csrf_token matched this browser's (else a 403 page)."""
    if principal is None and request.url.path.startswith("/ui/"):
        raise sign_in_first(request)
    form = await request.form()
    value = form.get(FIELD)
    if not csrf_ok(request, value if isinstance(value, str) else None):
        raise CsrfRefused()
    _refuse_unstorable(form)
    return form


def _refuse_unstorable_query(request: Request) -> None:
    """A page address whose query holds a NUL character is a 422 page naming the parameter
    (no database reads such text: PostgreSQL answered with a raw JSON error)."""
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "") or "query"
            raise Invalid(f"{shown} holds a NUL character", field=shown)


def _refuse_unstorable(form: FormData) -> None:
    """A field (or a file's name or type) holding a NUL character or a lone surrogate is a 422
    page naming it, as the JSON API answers: no database stores such text (PostgreSQL refused
    it with a raw JSON error, SQLite stored it)."""
    for name, value in form.multi_items():
        texts = [value] if isinstance(value, str) else [value.filename, value.content_type]
        if unstorable_field([name, *(t for t in texts if t)]):
            shown = name.replace("\x00", "")
            raise Invalid(
                f"{shown} holds a NUL character or a lone UTF-16 surrogate, which cannot be stored",
                field=shown,
            )


CsrfForm = Annotated[FormData, Depends(csrf_form)]
