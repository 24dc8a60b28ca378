"""Reading the configured organisation (severities, services, teams) and classifying incidents.

The catalog is written only by `config apply`; other domains read it through these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom import memo
from warroom.catalog.config import SeverityMatrix
from warroom.catalog.matrix import Classification, classify
from warroom.catalog.models import Service, Severity, Team
from warroom.config import service as config_service
from warroom.errors import Invalid, NotFound


def list_severities(session: Session, *, include_inactive: bool = False) -> list[Severity]:
    """Severities, most severe first."""
    query = select(Severity).order_by(Severity.rank, Severity.key)
    if not include_inactive:
        query = query.where(Severity.active.is_(True))
    return list(session.scalars(query))


def severities_by_key(session: Session) -> dict[str, Severity]:
    """Every severity by key, inactive ones too (incidents opened earlier still name them).

    Remembered for the transaction where it enabled that (`warroom.memo`)."""
    return memo.remember(
        session, "catalog.severities", lambda: {s.key: s for s in session.scalars(select(Severity))}
    )


def get_severity(session: Session, key: str) -> Severity:
    """The severity with this key (active or not), or NotFound."""
    found = session.scalar(select(Severity).where(Severity.key == key))
    if found is None:
        raise NotFound(f"no severity {key!r}", field="severity")
    return found


def require_severity(session: Session, key: str, field: str = "severity") -> Severity:
    """The active severity with this key, or Invalid naming the known ones."""
    found = severities_by_key(session).get(key)
    if found is None or not found.active:
        known = [s.key for s in list_severities(session)]
        hint = ", ".join(known) if known else "none are configured"
        raise Invalid(f"unknown severity {key!r}; known: {hint}", field=field)
    return found


def list_services(session: Session, *, include_inactive: bool = False) -> list[Service]:
    """Services by key."""
    query = select(Service).order_by(Service.key)
    if not include_inactive:
        query = query.where(Service.active.is_(True))
    return list(session.scalars(query))


def get_service(session: Session, key: str) -> Service:
    """The service with this key (active or not), or NotFound."""
    query = select(Service).where(Service.key == key)
    found = memo.remember(session, ("catalog.service", key), lambda: session.scalar(query))
    if found is None:
        raise NotFound(f"no service {key!r}", field="service")
    return found


def require_services(session: Session, keys: list[str], field: str = "services") -> list[str]:
    """The given service keys, de-duplicated and sorted; Invalid naming any not active."""
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


def list_teams(session: Session, *, include_inactive: bool = False) -> list[Team]:
    """Teams by key, with their members loaded."""
    query = select(Team).order_by(Team.key)
    if not include_inactive:
        query = query.where(Team.active.is_(True))
    return list(session.scalars(query))


def get_team(session: Session, key: str) -> Team:
    """The team with this key (active or not), or NotFound."""
    found = session.scalar(select(Team).where(Team.key == key))
    if found is None:
        raise NotFound(f"no team {key!r}", field="team")
    return found


def team_member_ids(session: Session, key: str, *, leads_only: bool = False) -> list[int]:
    """User ids of a team's members (or only its leads)."""
    team = get_team(session, key)
    return sorted(m.user_id for m in team.members if not leads_only or m.role == "lead")


def severity_matrix(session: Session) -> SeverityMatrix:
    """The configured severity matrix, or NotFound when none is configured."""
    raw = config_service.current_section(session, "severity_matrix")
    if not raw:
        raise NotFound("no severity_matrix is configured", field="severity_matrix")
    return SeverityMatrix.model_validate(raw)


def classify_answers(session: Session, answers: Mapping[str, Any]) -> Classification:
    """Classify with the configured matrix; "unsure" answers take the most severe outcome."""
    order = [s.key for s in list_severities(session, include_inactive=True)]
    return classify(severity_matrix(session), order, answers)
