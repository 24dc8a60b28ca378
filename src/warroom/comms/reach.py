"""Whom communications reach: an incident's channels, its communications lead, escalation.

Messages go through the notify outbox (the engine delivers them); each has an idempotency
key, so a job that runs twice queues nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.catalog import service as catalog
from warroom.clock import Clock
from warroom.comms.config import CommsConfig
from warroom.db import savepoint
from warroom.errors import Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.notify import service as notify
from warroom.paging import targeting
from warroom.paging.channels import channel_url, resolve_channels
from warroom.paging.pager import contact_url
from warroom.paging.people import resolve_targets, rules_for, team_on_call, users_by_email

log = logging.getLogger("warroom.comms")
# Who is reminded of a due update, in order: the first role somebody holds.
REMINDER_ROLES = ("communications_lead", "incident_commander", "on_call_engineer")


def channel_keys(session: Session, incident: Incident, options: CommsConfig) -> list[str]:
    """The incident's channels: its severity's, its services' and their teams' (each once).
    None for a private incident: only its members may read of it, and a channel is not."""
    if incident.private:
        return []
    keys: list[str] = list(options.severity_channels.get(incident.severity, []))
    for key in incident.service_keys:
        try:
            service = catalog.get_service(session, key)
        except NotFound:
            continue
        keys += [str(c) for c in service.channels or []]
        if service.team is not None:
            keys += [str(c) for c in service.team.channels or []]
    return list(dict.fromkeys(keys))


def role_holders(session: Session, incident: Incident, role: str) -> list[str]:
    """E-mails of the active users holding `role` on the incident now: a holder removed from
    config can be reached by nobody, so the role counts as unheld (a reminder goes to the next
    role, an overdue update's escalation to the rest of its targets)."""
    emails = [r.user_email for r in incidents.current_roles(session, incident) if r.role == role]
    users = users_by_email(session, emails)
    return [e for e in emails if (u := users.get(e.lower())) is not None and u.active]


def service_on_call(session: Session, incident: Incident, when: datetime) -> list[str]:
    """Whoever is on call for the teams of the incident's services."""
    found: list[str] = []
    for key in incident.service_keys:
        try:
            service = catalog.get_service(session, key)
        except NotFound:
            continue
        if service.team is not None:
            found += [e for e in team_on_call(session, service.team.key, when) if e not in found]
    return found


def paging_policy(session: Session, incident: Incident) -> list[str]:
    """The escalation policy that pages the incident, chosen as paging chooses it (its
    service's, its severity's, the default), as a `policy:` target (its first level)."""
    policy = targeting.policy_for(session, incident)
    return [] if policy is None else [f"policy:{policy.key}"]


def reminder_targets(session: Session, incident: Incident, when: datetime) -> list[str]:
    """The communications lead, else the commander, else the on-call engineer, else who is on
    call for its services' teams, else the first level of the policy that pages it."""
    for role in REMINDER_ROLES:
        holders = role_holders(session, incident, role)
        if holders:
            return [f"user:{e}" for e in holders]
    on_call = [f"user:{e}" for e in service_on_call(session, incident, when)]
    return on_call or paging_policy(session, incident)


def escalation_targets(session: Session, incident: Incident, options: CommsConfig) -> list[str]:
    """For an overdue update: the commander, the severity's escalation policy (without one,
    the policy that pages the incident), `escalate_to`."""
    targets = [f"user:{e}" for e in role_holders(session, incident, "incident_commander")]
    severity = catalog.severities_by_key(session).get(incident.severity)
    if severity is not None and severity.escalation_policy:
        targets.append(f"policy:{severity.escalation_policy}")
    else:
        targets += paging_policy(session, incident)
    targets += options.escalate_to
    return list(dict.fromkeys(targets))


def send(
    session: Session,
    clock: Clock,
    smtp_url: str,
    incident: Incident,
    targets: list[str],
    message: tuple[str, str],
    *,
    key: str,
    purpose: str,
) -> list[str]:
    """Queue `message` to every person (their contact methods due at once) and channel the
    targets mean; returns who was reached (e-mails and `channel:KEY`)."""
    title, body = message
    if incident.drill:  # internal messages about a practice incident say so first
        title, body = f"DRILL {title}", f"DRILL - practice incident, not a real one.\n\n{body}"
    reached: list[str] = []
    for _, user in resolve_targets(session, targets, clock.now()):
        rules = rules_for(session, user)
        now_rules = [r for r in rules if r.after_s <= 0] or rules[:1]
        for rule in now_rules:
            url = contact_url(rule.contact, smtp_url)
            name = f"{key}:{user.id}:{rule.contact.name}"
            if _queue(session, clock, incident, url, title, body, name, purpose, user.id, None):
                reached.append(user.email) if user.email not in reached else None
    for target, channel in resolve_channels(session, targets):
        name = f"{key}:{target}"
        url = channel_url(channel, smtp_url)
        if _queue(session, clock, incident, url, title, body, name, purpose, None, target):
            reached.append(target)
    return reached


def _queue(
    session: Session,
    clock: Clock,
    incident: Incident,
    url: str,
    title: str,
    body: str,
    key: str,
    purpose: str,
    user_id: int | None,
    channel: str | None,
) -> bool:
    try:
        with savepoint(session):
            notify.queue_message(
                session,
                clock,
                url=url,
                title=title,
                body=body,
                incident_id=incident.id,
                user_id=user_id,
                idempotency_key=key[:300],
                purpose=purpose,
                channel=channel,
            )
    except Invalid as exc:
        log.warning("comms message %s refused: %s", key, exc.message)
        return False
    return True
