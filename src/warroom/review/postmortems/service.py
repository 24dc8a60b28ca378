"""Postmortems: created when a resolved incident's severity requires one, edited as Markdown,
reviewed and published; draft → in_review → published (and back to draft from review).

Four eyes: an approval is of the text as it stands, by someone who did not write it. The author
and whoever saved that text cannot approve it; a save that changes the text in review withdraws
the approvals given so far, and a reviewer made author loses their approval. Publishing (by any
responder, the author included) needs `postmortems.approvals` approvals that still count.

Every change is a `review:postmortem:*` event on the incident's timeline. Writers lock the
incident row first (the engine's lock order) without moving its `updated_at`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth import service as auth_service
from warroom.auth.models import User
from warroom.catalog import service as catalog
from warroom.clock import Clock, utc
from warroom.errors import Conflict, Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.principal import role_rank
from warroom.review.postmortems import draft, reminders, render
from warroom.review.postmortems.approvals import cannot_approve as cannot_approve
from warroom.review.postmortems.approvals import counting_approvals, withdraw
from warroom.review.postmortems.approvals import reviews_of as reviews_of
from warroom.review.postmortems.config import postmortem_settings, template_for
from warroom.review.postmortems.listing import is_overdue as is_overdue
from warroom.review.postmortems.listing import list_postmortems as list_postmortems
from warroom.review.postmortems.listing import overdue_count as overdue_count
from warroom.review.postmortems.models import (
    DRAFT,
    IN_REVIEW,
    PUBLISHED,
    Postmortem,
    PostmortemReview,
)

MAX_MARKDOWN = 200_000
RESOLVED = ("resolved", "closed")


def get_for_incident(session: Session, incident_id: int) -> Postmortem | None:
    """The incident's postmortem, if it has one."""
    return session.scalar(select(Postmortem).where(Postmortem.incident_id == incident_id))


def require(session: Session, incident: Incident) -> Postmortem:
    """The incident's postmortem, or NotFound naming the incident."""
    pm = get_for_incident(session, incident.id)
    if pm is None:
        raise NotFound(f"{incident.ref} has no postmortem", field="number")
    return pm


def required_due(session: Session, incident: Incident) -> tuple[bool, timedelta | None]:
    """Whether the incident's severity requires a postmortem, and within how long."""
    severity = catalog.severities_by_key(session).get(incident.severity)
    if severity is None or not severity.postmortem_required:
        return False, None
    if severity.postmortem_due_s:
        return True, timedelta(seconds=severity.postmortem_due_s)
    return True, postmortem_settings(session).default_due_within


def cannot_write(user: User) -> str | None:
    """Why this person cannot be a postmortem's author (None: they can write it)."""
    if not user.active:
        return f"{user.email} is deactivated: choose someone active"
    if role_rank(user.role) < role_rank("responder"):
        return f"{user.email} is a viewer and cannot write a postmortem: choose a responder"
    return None


def _writer(session: Session, email: str) -> str | None:
    """The e-mail of the user it names if they can write a postmortem (else None)."""
    try:
        user = auth_service.get_user_by_email(session, email)
    except NotFound:
        return None  # warroom itself (alerts cleared) or a token
    return None if cannot_write(user) else user.email


def default_author(session: Session, incident: Incident) -> str | None:
    """The incident commander, else whoever resolved it (if a person), else nobody; someone
    who cannot write it (deactivated, a viewer) is passed over."""
    for role in incidents.current_roles(session, incident):
        if role.role == "incident_commander" and _writer(session, role.user_email):
            return role.user_email
    return _writer(session, incident.resolved_by) if incident.resolved_by else None


def _record(
    session: Session, clock: Clock, pm: Postmortem, action: str, actor: str, **extra: object
) -> None:
    payload: dict[str, object] = {"state": pm.state, **extra}
    timeline.record(
        session,
        clock,
        incident_id=pm.incident_id,
        kind=f"review:postmortem:{action}",
        actor=actor,
        payload=payload,
    )


def create(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    actor: str,
    due_within: timedelta | None,
    due_given: bool = False,
) -> Postmortem:
    """The incident's postmortem, created now if it has none (idempotent); `due_given`: a person
    chose `due_within` (it then stays when the severity changes).

    Looked for under the incident's row lock, on the fresh row: of two simultaneous creates
    (or a create and the resolve that creates the required one) the second waits, then finds
    the first's postmortem and returns it.
    """
    incident = incidents.lock_by_id(session, incident.id) or incident
    existing = get_for_incident(session, incident.id)
    if existing is not None:
        return existing
    if incident.status not in RESOLVED:
        raise Conflict(f"{incident.ref} is {incident.status}: resolve it first", field="status")
    # Due that long after it is made: at the resolution for one its severity requires; one
    # made later (by hand, or for a severity raised after the resolve) is not born overdue.
    now = clock.now()
    base = now
    pm = Postmortem(
        incident_id=incident.id,
        state=DRAFT,
        author=default_author(session, incident),
        due_at=None if due_within is None else base + due_within,
        created_at=now,
        updated_at=now,
        generation=0,
    )
    session.add(pm)
    session.flush()
    reminders.plan(session, clock, pm, postmortem_settings(session))
    given: dict[str, object] = {"due_given": True} if due_given else {}
    _record(session, clock, pm, "created", actor, author=pm.author, due_at=_iso(pm.due_at), **given)
    return pm


def create_if_required(session: Session, clock: Clock, incident: Incident, actor: str) -> None:
    """On resolve: create the postmortem its severity requires (once per incident)."""
    required, due_within = required_due(session, incident)
    if required and get_for_incident(session, incident.id) is None:
        create(session, clock, incident, actor=actor, due_within=due_within)


def markdown_of(session: Session, incident: Incident, pm: Postmortem) -> str:
    """The saved Markdown, or (never saved yet) the draft generated from the incident now."""
    if pm.markdown is not None:
        return pm.markdown
    ctx = draft.context(session, incident, author=pm.author, due_at=pm.due_at)
    source = template_for(postmortem_settings(session), incident.severity)
    return render.render_report(source, ctx)


def _locked(session: Session, incident: Incident) -> Postmortem:
    incidents.lock_by_id(session, incident.id)
    return require(session, incident)


def save(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    markdown: str,
    version: int,
    actor: str,
) -> Postmortem:
    """Store an edited version; refused (409) if someone saved since `version` was read."""
    if not markdown.strip():
        raise Invalid("a postmortem needs some text", field="markdown")
    if len(markdown) > MAX_MARKDOWN:
        raise Invalid(f"a postmortem is at most {MAX_MARKDOWN} characters", field="markdown")
    pm = _locked(session, incident)
    if pm.state == PUBLISHED:
        raise Conflict(f"the postmortem of {incident.ref} is published: it is final", field="state")
    if version != pm.version:
        who = f" by {pm.updated_by}" if pm.updated_by else ""
        raise Conflict(
            f"the postmortem of {incident.ref} changed since you read it (you edited version "
            f"{version}; version {pm.version} was saved{who}): reload it and apply your edit again",
            field="version",
            details={"version": pm.version},
        )
    if pm.markdown is not None and markdown == pm.markdown:
        return pm  # the text as it stands: nothing to save, no approval to withdraw
    pm.markdown = markdown
    pm.version += 1
    pm.updated_at, pm.updated_by = clock.now(), actor
    # Approvals are of the text: in review, a new text needs approving again.
    withdrawn = withdraw(clock, reviews_of(session, pm)) if pm.state == IN_REVIEW else []
    session.flush()
    extra: dict[str, object] = {"approvals_withdrawn": withdrawn} if withdrawn else {}
    _record(session, clock, pm, "edited", actor, version=pm.version, **extra)
    return pm


def _expect(pm: Postmortem, incident: Incident, state: str, doing: str) -> None:
    if pm.state != state:
        raise Conflict(
            f"cannot {doing} the postmortem of {incident.ref}: it is {pm.state.replace('_', ' ')}"
            f" (only a postmortem {state.replace('_', ' ')} can be)",
            field="state",
            details={"state": pm.state},
        )


def submit(session: Session, clock: Clock, incident: Incident, *, actor: str) -> Postmortem:
    """draft → in_review (the generated draft is saved as it stands if never edited)."""
    pm = _locked(session, incident)
    _expect(pm, incident, DRAFT, "submit")
    if pm.markdown is None:
        pm.markdown = markdown_of(session, incident, pm)
        pm.version += 1
    pm.state, pm.submitted_at = IN_REVIEW, clock.now()
    pm.updated_at, pm.updated_by = clock.now(), actor
    session.flush()
    _record(session, clock, pm, "submitted", actor)
    return pm


def approve(
    session: Session, clock: Clock, incident: Incident, *, actor: str, note: str = ""
) -> PostmortemReview:
    """A reviewer approves the text of the postmortem in review; once each. Neither the author
    nor whoever saved that text can (409, field `reviewer`)."""
    pm = _locked(session, incident)
    _expect(pm, incident, IN_REVIEW, "approve")
    refused = cannot_approve(session, pm, actor)
    if refused is not None:
        raise Conflict(refused, field="reviewer")
    mine = next((r for r in reviews_of(session, pm) if r.reviewer == actor), None)
    if mine is not None:
        return mine
    review = PostmortemReview(
        postmortem_id=pm.id, reviewer=actor, approved_at=clock.now(), note=note
    )
    session.add(review)
    session.flush()
    _record(session, clock, pm, "approved", actor, note=note)
    return review


def return_to_draft(
    session: Session, clock: Clock, incident: Incident, *, actor: str, reason: str
) -> Postmortem:
    """in_review → draft with a reason; the approvals given so far are withdrawn."""
    if not reason.strip():
        raise Invalid("say why it goes back to draft", field="reason")
    pm = _locked(session, incident)
    _expect(pm, incident, IN_REVIEW, "return to draft")
    withdraw(clock, reviews_of(session, pm))
    pm.state, pm.updated_at, pm.updated_by = DRAFT, clock.now(), actor
    session.flush()
    _record(session, clock, pm, "returned", actor, reason=reason.strip())
    return pm


def _refuse_while_open(session: Session, incident: Incident) -> None:
    """A reopened incident's postmortem waits for it to be resolved again: what happens until
    then belongs in it."""
    fresh = incidents.get_incident_by_id(session, incident.id)
    if fresh.status not in RESOLVED:
        raise Conflict(
            f"{fresh.ref} is {fresh.status} again (reopened): its postmortem can be published "
            "once it is resolved again",
            field="status",
            details={"status": fresh.status},
        )


def publish(session: Session, clock: Clock, incident: Incident, *, actor: str) -> Postmortem:
    """in_review → published, once it has the configured number of approvals that count
    (`counting_approvals`); by any responder, the author included; final."""
    pm = _locked(session, incident)
    _expect(pm, incident, IN_REVIEW, "publish")
    _refuse_while_open(session, incident)
    options = postmortem_settings(session)
    approvals = counting_approvals(session, pm)
    if len(approvals) < options.approvals:
        raise Conflict(
            f"the postmortem of {incident.ref} has {len(approvals)} approval(s); "
            f"{options.approvals} needed before it is published (approvals of its text as it "
            "stands, by someone other than its author and whoever saved that text)",
            field="approvals",
        )
    now = clock.now()
    pm.state, pm.published_at, pm.published_by = PUBLISHED, now, actor
    pm.updated_at, pm.updated_by = now, actor
    reminders.cancel(session, clock, pm, options)
    session.flush()
    _record(session, clock, pm, "published", actor, reviewers=[r.reviewer for r in approvals])
    return pm


def assign(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    actor: str,
    author: str | None = None,
    due_at: datetime | None = None,
) -> Postmortem:
    """Change the author (a known user who may read the incident) or the due time; reminders
    are planned again. A reviewer made author loses their approval (an author does not approve
    their own postmortem)."""
    pm = _locked(session, incident)
    if pm.state == PUBLISHED:
        raise Conflict(f"the postmortem of {incident.ref} is published: it is final", field="state")
    changed: dict[str, object] = {}
    if author is not None:
        try:
            user = auth_service.get_user_by_email(session, author)
        except NotFound:
            raise Invalid(f"no user with email {author!r}", field="author") from None
        refused = cannot_write(user)
        if refused is not None:
            raise Invalid(refused, field="author")
        if not incidents.can_read(session, incident, user.email, is_admin=user.role == "admin"):
            raise Invalid(
                f"{incident.ref} is private and {user.email} is no member of it: give them a "
                "role on the incident first, or choose one of its members",
                field="author",
            )
        pm.author = user.email
        changed["author"] = pm.author
        mine = [r for r in reviews_of(session, pm) if r.reviewer.lower() == user.email.lower()]
        if mine:
            changed["approvals_withdrawn"] = withdraw(clock, mine)
    if due_at is not None:
        pm.due_at = utc(due_at)
        changed["due_at"] = _iso(pm.due_at)
    if not changed:
        return pm
    pm.updated_at, pm.updated_by = clock.now(), actor
    reminders.plan(session, clock, pm, postmortem_settings(session))
    _record(session, clock, pm, "assigned", actor, **changed)
    return pm


class CloseRefused(Conflict):
    """An incident closed before its required postmortem is published. The message ends with
    the CLI command to go on with; `reason` is what precedes it, for the web UI to say its own
    way what to do."""

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(f"{reason}: {hint}", field="postmortem")
        self.reason = reason


def refuse_close(session: Session, incident: Incident) -> None:
    """Conflict if the incident's severity requires a postmortem not yet published."""
    required, _ = required_due(session, incident)
    if not required:
        return
    pm = get_for_incident(session, incident.id)
    if pm is not None and pm.state == PUBLISHED:
        return
    if pm is None:
        state, hint = "none exists yet", f"warroom postmortem create {incident.number}"
    else:
        state = f"it is {pm.state.replace('_', ' ')}"
        hint = f"warroom postmortem show {incident.number}"
    raise CloseRefused(
        f"{incident.ref} cannot be closed before its postmortem is published "
        f"(severity {incident.severity} requires one; {state})",
        hint,
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc(value).isoformat()


def find_for_incident(session: Session, incident_id: int) -> Postmortem | None:
    """The incident's postmortem, if it has one (as the action items part looks it up)."""
    return get_for_incident(session, incident_id)
