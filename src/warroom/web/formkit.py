"""Small helpers for the pages' HTML forms: field values, required fields, refusals as text."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.errors import Invalid, WarroomError
from warroom.principal import Principal


def values(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields of a submitted form as stripped strings ("" when absent)."""
    return {name: str(form.get(name) or "").strip() for name in names}


def required(found: dict[str, str], name: str) -> str:
    """The field's value, or Invalid naming the field when it is empty."""
    if not found.get(name):
        raise Invalid(f"{name} is required", field=name)
    return found[name]


def say(exc: WarroomError) -> str:
    """A refused action as one line that names the field (when the message does not already)."""
    if exc.field and exc.field not in exc.message:
        return f"{exc.field}: {exc.message}"
    return exc.message


def person_zone(session: Session, me: Principal) -> ZoneInfo:
    """The signed-in person's time zone (users.time_zone); UTC when unset or unknown."""
    try:
        name = auth_service.get_user_by_email(session, me.email).time_zone
        return ZoneInfo(name or "UTC")
    except (WarroomError, ValueError, KeyError):
        return ZoneInfo("UTC")
