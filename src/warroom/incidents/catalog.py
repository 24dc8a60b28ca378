"""Reading the configured severities and services (catalog has no service module yet)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.catalog.models import Service, Severity
from warroom.errors import Invalid


def severities(session: Session) -> dict[str, Severity]:
    """Every severity by key (including inactive ones, for incidents opened earlier)."""
    return {s.key: s for s in session.scalars(select(Severity))}


def require_severity(session: Session, key: str, field: str = "severity") -> Severity:
    """The active severity with this key, or Invalid naming the known ones."""
    found = session.scalar(select(Severity).where(Severity.key == key, Severity.active.is_(True)))
    if found is None:
        known = session.scalars(
            select(Severity.key).where(Severity.active.is_(True)).order_by(Severity.rank)
        ).all()
        hint = ", ".join(known) if known else "none are configured"
        raise Invalid(f"unknown severity {key!r}; known: {hint}", field=field)
    return found


def require_services(session: Session, keys: list[str], field: str = "services") -> list[str]:
    """The given service keys, de-duplicated; Invalid naming any that are not configured."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    found = set(
        session.scalars(
            select(Service.key).where(Service.key.in_(wanted), Service.active.is_(True))
        )
    )
    missing = [k for k in wanted if k not in found]
    if missing:
        raise Invalid(f"unknown service(s): {', '.join(missing)}", field=field)
    return wanted
