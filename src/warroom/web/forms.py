"""What every page form post does once the role and CSRF token are checked: read its fields,
run one change through a domain service, commit it, and answer with a 303 back to the page.

A change the domain refuses (`WarroomError`) is rolled back and its message flashed instead, so
the page the browser lands on says what happened either way (post/redirect/get). A form that is
shown again on a refusal, with what was typed, uses `attempt` and renders the refusal itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from warroom.errors import WarroomError
from warroom.web.csrf import flash

T = TypeVar("T")


def field(form: FormData, name: str) -> str:
    """A text field of the form, stripped ("" when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def checked(form: FormData, name: str) -> bool:
    """Whether a checkbox was ticked."""
    return field(form, name).lower() in ("1", "on", "true", "yes")


def attempt(session: Session, change: Callable[[], T]) -> T | WarroomError:
    """Run `change` and commit it, giving its result; or roll it back, giving the refusal."""
    try:
        done = change()
        session.commit()
    except WarroomError as exc:
        session.rollback()
        return exc
    return done


def _message(exc: WarroomError) -> str:
    return exc.message


def post_back(
    request: Request,
    session: Session,
    url: str,
    change: Callable[[], str],
    explain: Callable[[WarroomError], str] = _message,
) -> RedirectResponse:
    """Run `change` (which returns what it did, in words) and commit it, or roll back and flash
    the refusal as `explain` words it; then a 303 to `url`."""
    done = attempt(session, change)
    if isinstance(done, WarroomError):
        flash(request, "error", explain(done))
    else:
        flash(request, "ok", done)
    return RedirectResponse(url, status_code=303)
