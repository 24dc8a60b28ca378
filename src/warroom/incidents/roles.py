"""Incident roles: assignment, handover, membership (who may see a private incident)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth import service as auth_service
from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.incidents.locking import lock
from warroom.incidents.models import Incident, IncidentRole

ROLES = (
    "incident_commander",
    "scribe",
    "communications_lead",
    "operations_lead",
    "on_call_engineer",
    "subject_matter_expert",
)
# Roles one person holds at a time: assigning someone else is a handover. They act on the
# incident (command, write, speak, operate), so they go to responders and admins only.
SINGLE_HOLDER = ("incident_commander", "scribe", "communications_lead", "operations_lead")


def current_roles(session: Session, incident: Incident) -> list[IncidentRole]:
    """Roles held now, in ROLES order."""
    rows = session.scalars(
        select(IncidentRole).where(
            IncidentRole.incident_id == incident.id, IncidentRole.ended_at.is_(None)
        )
    ).all()
    return sorted(rows, key=lambda r: (ROLES.index(r.role), r.assigned_at, r.id))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; one of {', '.join(ROLES)}", field="role")


def assign_role(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    role: str,
    user_email: str,
    actor: str,
) -> IncidentRole:
    """Give user_email a role; for single-holder roles the previous holder hands over."""
    _check_role(role)
    try:
        user = auth_service.get_user_by_email(session, user_email)
    except NotFound:
        raise Invalid(f"no user with email {user_email!r}", field="user_email") from None
    if not user.active:
        raise Invalid(
            f"{user.email} is deactivated and cannot sign in: give {role} to someone active",
            field="user_email",
        )
    if role in SINGLE_HOLDER and user.role == "viewer":
        raise Invalid(
            f"{user.email} is a viewer and cannot act on an incident: give {role} to a "
            "responder or an admin (a viewer may be a subject_matter_expert)",
            field="user_email",
        )
    lock(session, clock, incident)
    holders = [r for r in current_roles(session, incident) if r.role == role]
    mine = next((r for r in holders if r.user_email == user.email), None)
    if mine is not None:
        return mine
    now = clock.now()
    previous = holders[0] if role in SINGLE_HOLDER and holders else None
    if previous is not None:
        previous.ended_at, previous.ended_by = now, actor
    held = IncidentRole(
        incident_id=incident.id,
        role=role,
        user_email=user.email,
        assigned_at=now,
        assigned_by=actor,
    )
    session.add(held)
    session.flush()
    if previous is not None:
        kind = "incident:role:handed_over"
        payload = {"role": role, "from": previous.user_email, "to": user.email}
    else:
        kind, payload = "incident:role:assigned", {"role": role, "user_email": user.email}
    timeline.record(
        session, clock, incident_id=incident.id, kind=kind, actor=actor, payload=payload
    )
    return held


def carry_members(
    session: Session, clock: Clock, source: Incident, target: Incident, *, actor: str
) -> None:
    """Give `target` the roles `source`'s members hold now (a private incident's follow-up
    is visible to the same people); someone who is no user any more, or is deactivated, is
    left out."""
    for held in current_roles(session, source):
        try:
            assign_role(
                session, clock, target, role=held.role, user_email=held.user_email, actor=actor
            )
        except Invalid:  # the person is no user any more, or deactivated: nothing to carry
            continue


def unassign_role(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    role: str,
    user_email: str,
    actor: str,
) -> IncidentRole:
    """Take a role away from someone; NotFound if they do not hold it."""
    _check_role(role)
    lock(session, clock, incident)
    held = next(
        (
            r
            for r in current_roles(session, incident)
            if r.role == role and r.user_email == user_email.lower()
        ),
        None,
    )
    if held is None:
        raise NotFound(f"{user_email} does not hold {role} on {incident.ref}", field="user_email")
    held.ended_at, held.ended_by = clock.now(), actor
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="incident:role:unassigned",
        actor=actor,
        payload={"role": role, "user_email": held.user_email},
    )
    return held


def is_member(session: Session, incident: Incident, email: str) -> bool:
    """True for the incident's creator and anyone holding a role on it now."""
    email = email.lower()
    if incident.created_by.lower() == email:
        return True
    found = session.scalar(
        select(IncidentRole.id).where(
            IncidentRole.incident_id == incident.id,
            IncidentRole.user_email == email,
            IncidentRole.ended_at.is_(None),
        )
    )
    return found is not None


def can_read(session: Session, incident: Incident, email: str, *, is_admin: bool) -> bool:
    """Whether someone may see a (possibly private) incident's details and evidence."""
    return not incident.private or is_admin or is_member(session, incident, email)
