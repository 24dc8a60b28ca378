"""Paging people for an incident: who, through which contact methods, with which message.

A page is one person paged for one reason. Their notification rules turn it into messages:
rules due at once are queued in the notify outbox right away, later ones become
`paging.notify` jobs that check, when they fire, whether the page still matters (an
acknowledged incident stops escalation pages; a resolved one stops every page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, make_transient_to_detached

from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.errors import Invalid
from warroom.incidents.models import Incident
from warroom.mailto import mail_url
from warroom.paging import links
from warroom.paging.channels import page_channel, resolve_channels
from warroom.paging.models import ContactMethod, IncidentEscalation, Page
from warroom.paging.people import Rule, resolve_targets, rules_for
from warroom.settings import Settings

NOTIFY_KIND = "paging.notify"
ACTOR = "warroom:paging"
REASONS = ("escalation", "unresolved", "manual")
# The first line of every page of a drill: nobody must mistake a practice page for a real one.
DRILL_NOTICE = "DRILL - this is a practice incident, not a real one."
log = logging.getLogger("warroom.paging")


@dataclass(frozen=True)
class PageRequest:
    """Page `targets` for `reason`; `context` is the first paragraph of the message.

    `key` names the step (a level of a round, a rung) so that a channel is paged once per step.
    """

    targets: list[str]
    reason: str
    context: str
    generation: int = 0
    key: str = ""
    actor: str = ACTOR


def contact_url(contact: ContactMethod, smtp_url: str) -> str:
    """The Apprise URL of a contact method; e-mail goes through `smtp_url` (WARROOM_SMTP_URL)."""
    if contact.kind != "email":
        return contact.address
    return mail_url(smtp_url, contact.address)


# The text of a page above its links: the comms domain's `page` template, set by the
# composition root (warroom.wiring); None: a plain text.
PAGE_TEXT: Callable[[Incident, str], str] | None = None
# The text of an escalation page (a level past the first, or a repeat): the comms domain's
# `escalation` template, set by the composition root; None: as PAGE_TEXT.
ESCALATION_TEXT: Callable[[Incident, str], str] | None = None


def escalates(request: PageRequest) -> bool:
    """Whether a page escalates: an escalation policy's level or round past the first
    (its key is `generation:round:level`)."""
    return request.reason == "escalation" and not request.key.endswith(":0:0")


def compose(
    settings: Settings,
    clock: Clock,
    incident: Incident,
    user: User | None,
    context: str,
    escalation: bool = False,
) -> tuple[str, str]:
    """Title and body of a page, with signed ack and resolve links for this person."""
    title = f"[{incident.severity}] {incident.ref}: {incident.title}"
    base = settings.public_url.rstrip("/")
    if escalation and ESCALATION_TEXT is not None:
        lines = [ESCALATION_TEXT(incident, context).rstrip("\n"), ""]
    elif PAGE_TEXT is not None:
        lines = [PAGE_TEXT(incident, context).rstrip("\n"), ""]
    else:
        lines = [context, ""]
        lines.append(f"{incident.ref} · severity {incident.severity} · status {incident.status}")
        if incident.service_keys:
            lines.append("Services: " + ", ".join(incident.service_keys))
        if incident.summary:
            lines += ["", incident.summary]
        lines.append("")
    if incident.drill:  # every page of a practice incident says so first (subject and body)
        title, lines = f"DRILL {title}", [DRILL_NOTICE, "", *lines]
    # A viewer (paged to be told) may not acknowledge or resolve: no link or command to.
    acts = user is None or user.role != "viewer"
    if settings.secret_key and acts:
        for purpose, label in (("ack", "Acknowledge"), ("resolve", "Resolve")):
            token = links.make_token(
                settings.secret_key,
                purpose=purpose,
                incident_number=incident.number,
                user_id=user.id if user else None,
                now=clock.now(),
            )
            lines.append(f"{label}: {links.link_url(base, token)}")
    # The whole picture: the web UI's incident page (after signing in), or the CLI's 3am screen.
    lines.append(f"Open: {incident.page_url(base)}")
    lines.append(f"Show: warroom incident show {incident.ref}")
    if acts:
        lines.append(f"CLI: warroom incident ack {incident.number}")
    return title, "\n".join(lines)


def page(
    session: Session,
    clock: Clock,
    settings: Settings,
    incident: Incident,
    request: PageRequest,
) -> list[Page]:
    """Page every person and channel the targets mean now; returns the people's pages."""
    now = clock.now()
    made: list[Page] = []
    people = resolve_targets(session, request.targets, now)
    channels = resolve_channels(session, request.targets)
    if incident.private and channels:
        # Only its members may read of a private incident, and a channel is not a member.
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="paging:page:withheld",
            actor=request.actor,
            payload={"channels": [c.key for _, c in channels], "reason": request.reason},
        )
        channels = []
    if not people and not channels:
        # A schedule with nobody on call (or an inactive user) must not fail silently.
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="paging:page:nobody",
            actor=request.actor,
            payload={"targets": list(request.targets), "reason": request.reason},
        )
    for target, user in people:
        title, body = compose(settings, clock, incident, user, request.context, escalates(request))
        row = Page(
            incident_id=incident.id,
            user_id=user.id,
            reason=request.reason,
            generation=request.generation,
            target=target,
            title=title,
            body=body,
            created_at=now,
        )
        insert_new(session, row)
        made.append(row)
        rules = _notify_by_rules(session, clock, row, user, settings.smtp_url)
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="paging:page:queued",
            actor=request.actor,
            payload={
                "user": user.email,
                "target": target,
                "reason": request.reason,
                "rules": [{"contact": r.contact.name, "after_s": r.after_s} for r in rules],
                "page_id": row.id,
            },
        )
    for _, channel in channels:
        page_channel(
            session,
            clock,
            incident,
            channel,
            compose(settings, clock, incident, None, request.context, escalates(request)),
            reason=request.reason,
            actor=request.actor,
            step=request.key or now.isoformat(),
            smtp_url=settings.smtp_url,
        )
    return made


_INSERTS: dict[str, Any] = {}


def insert_new(session: Session, row: Any) -> None:
    """Insert a new row (a page, an escalation state) with a Core INSERT, cheaper than a flush
    on the paths that run per incident; the object is then the session's persistent row.

    What is pending goes in first, as a flush would have done (new jobs excepted: they go in
    together at the next flush, see `engine.flush_but_new_jobs`). Set every column: one left
    unset takes its database default and is read back when first used."""
    table = row.__table__
    stmt = _INSERTS.get(table.name)
    if stmt is None:
        stmt = _INSERTS[table.name] = insert(table).returning(table.c.id)
    engine.flush_but_new_jobs(session)
    values = {c.key: row.__dict__[c.key] for c in table.columns if c.key in row.__dict__}
    values.pop("id", None)
    row.id = int(session.connection().execute(stmt, values).scalar_one())
    make_transient_to_detached(row)
    session.add(row)


def _notify_by_rules(
    session: Session, clock: Clock, row: Page, user: User, smtp_url: str
) -> list[Rule]:
    """Queue the rules due now; later rules become jobs that check the page still matters."""
    rules = rules_for(session, user)
    for n, rule in enumerate(rules):
        if rule.after_s <= 0:
            deliver(session, clock, row, rule, n, smtp_url=smtp_url, fresh=True)
            continue
        engine.enqueue(
            session,
            clock,
            NOTIFY_KIND,
            # The method's name too: a config apply may replace its row before the rule is due.
            {
                "page_id": row.id,
                "contact_method_id": rule.contact.id,
                "contact": rule.contact.name,
                "rule": n,
            },
            run_at=row.created_at + timedelta(seconds=rule.after_s),
            dedup_key=f"{NOTIFY_KIND}:{row.id}:{n}",
            incident_id=row.incident_id,
        )
    return rules


def deliver(
    session: Session,
    clock: Clock,
    row: Page,
    rule: Rule,
    n: int,
    *,
    smtp_url: str,
    key: str | None = None,
    fresh: bool = False,
) -> Any:
    """Queue one message of a page in the notify outbox (idempotent per page and rule).

    A contact method a failover already paged through is not used again by a later rule
    (`fresh`: the page was made in this transaction, so no failover can have used one yet).
    A contact method the outbox refuses is recorded and skipped: it must not stop the
    person's other contact methods, nor roll back the escalation step (the outbox refuses
    a URL before it writes anything, so nothing needs undoing).
    """
    from warroom.notify import service as notify

    if (
        key is None
        and not fresh
        and rule.contact.name
        in notify.page_channels(session, row.id, key_prefix=failover_key(row, ""))
    ):
        return None
    try:
        return notify.queue_message(
            session,
            clock,
            url=contact_url(rule.contact, smtp_url),
            title=row.title,
            body=row.body,
            incident_id=row.incident_id,
            user_id=row.user_id,
            idempotency_key=key or f"page:{row.id}:{n}",
            purpose=f"page:{row.reason}",
            page_id=row.id,
            channel=rule.contact.name,
            new_key=fresh and key is None,  # a page of this transaction: no message has it yet
        )
    except Invalid as exc:
        log.warning("page %s: contact %s refused: %s", row.id, rule.contact.name, exc.message)
        timeline.record(
            session,
            clock,
            incident_id=row.incident_id,
            kind="paging:page:unsendable",
            actor=ACTOR,
            payload={"page_id": row.id, "contact": rule.contact.name, "error": exc.message},
        )
        return None


def failover_key(row: Page, channel: str) -> str:
    """The idempotency key of a page's failover message to one contact method."""
    return f"page:{row.id}:failover:{channel}"


def still_matters(session: Session, row: Page) -> bool:
    """Whether a page's later notifications should still go out."""
    incident = session.get(Incident, row.incident_id)
    if incident is None or incident.status in ("resolved", "closed"):
        return False
    if row.reason != "escalation":
        return True
    state = session.get(IncidentEscalation, _state_id(session, row.incident_id))
    return (
        state is not None
        and state.generation == row.generation
        # "exhausted" only means no level is left to escalate to: nobody acknowledged yet.
        and state.state in ("escalating", "exhausted")
        and incident.status == "triggered"
    )


def _state_id(session: Session, incident_id: int) -> int | None:
    from sqlalchemy import select

    return session.scalar(
        select(IncidentEscalation.id).where(IncidentEscalation.incident_id == incident_id)
    )
