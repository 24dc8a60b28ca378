"""The notification outbox: queue a message now, deliver it from a job after commit.

    from warroom.notify import service as notify

    msg = notify.queue_message(
        session, clock,
        url="mailto://smtp.example.com/alice@example.com?from=warroom@example.com",
        title="[SEV1] checkout down", body="...ack: https://...",
        incident_id=7, user_id=3, idempotency_key="page:7:1:alice:email", purpose="page",
    )

- The row (state `queued`) and a `notify.deliver` job are written in the caller's transaction;
  nothing is sent unless it commits, and delivery starts as soon as it does.
- `idempotency_key` is unique: queueing the same key again returns the existing message, so a
  repeated escalation job does not page twice. It is also sent to webhooks as the
  `Idempotency-Key` header, so a receiver can drop the rare duplicate after a crash.
- Each message is its own job: a failing contact method retries with back-off (up to
  `max_attempts`, then `failed`) without holding up any other message.
- A message whose worker died mid-send stays `sending` only until the job's lease ends: the
  job is claimed again and sends again (one spare attempt is kept for that); if even the spare
  is lost, the worker's abandon hook marks the message failed, so none stays `sending`.
- Sent and failed deliveries land on the incident timeline as `paging:notification:sent` and
  `paging:notification:failed` (actor `engine`), with the URL shown by scheme and host.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from sqlalchemy import Table, func, insert, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from warroom.auth.models import User
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.errors import Invalid, NotFound
from warroom.notify.destinations import destination_lane
from warroom.notify.models import FAILED, MESSAGE_STATES, QUEUED, Message
from warroom.notify.schemas import PageDelivery, shown_answer
from warroom.notify.senders import is_supported, scheme_of
from warroom.redaction import mask_url

DELIVER_KIND = "notify.deliver"
# Whether Apprise can load a URL does not change while warroom runs; asking costs more than the
# rest of queueing a page, and a burst pages the same few contact URLs over and over.
_sendable = lru_cache(maxsize=1024)(is_supported)


def queue_message(
    session: Session,
    clock: Clock,
    *,
    url: str,
    title: str,
    body: str,
    incident_id: int | None,
    user_id: int | None,
    idempotency_key: str,
    purpose: str,
    max_attempts: int = 8,
    page_id: int | None = None,
    channel: str | None = None,
    new_key: bool = False,
) -> Message:
    """Queue one message to one contact URL; delivery runs as a job after commit.

    Idempotent per key: a message already queued under it is returned instead. `new_key`:
    the key names something this transaction made (a page just inserted), so no message
    can hold it yet and the look-up is skipped."""
    if not idempotency_key or len(idempotency_key) > 300:
        raise Invalid("idempotency_key must be 1-300 characters", field="idempotency_key")
    if not new_key:
        query = select(Message).where(Message.idempotency_key == idempotency_key)
        existing = session.scalar(query)
        if existing is not None:
            return existing
    url = url.strip()
    if not _sendable(url):
        raise Invalid(
            f"not a notification URL warroom can send to: {scheme_of(url) or url[:20]!r}"
            " (use an Apprise URL such as mailto://, json://, ntfy://, or an http(s) webhook)",
            field="url",
        )
    if not purpose or len(purpose) > 64:
        raise Invalid("purpose must be 1-64 characters", field="purpose")
    now = clock.now()
    message = Message(
        url=url,
        scheme=scheme_of(url),
        title=title,
        body=body,
        incident_id=incident_id,
        user_id=user_id,
        idempotency_key=idempotency_key,
        purpose=purpose,
        page_id=page_id,
        channel=channel,
        state=QUEUED,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    reserved = _insert_reserving_job(session, message)
    if reserved is None:
        session.add(message)
        session.flush()
    with session.no_autoflush:  # the job stays pending until it has the id reserved for it
        job = engine.enqueue(
            session,
            clock,
            DELIVER_KIND,
            {"message_id": message.id},
            dedup_key=f"notify:{message.id}",
            incident_id=incident_id,
            # One spare attempt: if a worker dies mid-send on the last one, the message is sent
            # again rather than left `sending` (delivery counts its own budget, see delivery.py).
            max_attempts=max_attempts + 1,
            new_key=True,  # the message row was inserted just above
            lane=destination_lane(url),  # a stalled host's messages wait together
        )
    if reserved is not None and job.id is None:
        job.id = reserved  # the job goes in at the next flush, under the id the message names
        return message
    session.flush()  # the job's id
    message.job_id = job.id
    return message


_MESSAGES: Table = Message.__table__  # type: ignore[assignment]
# PostgreSQL: the message row names its delivery job's id, drawn from the jobs' sequence, so the
# job can go in after it without a second statement to set it (the hottest path: every page).
_INSERT_RESERVING_JOB = (
    insert(_MESSAGES)
    .values(job_id=func.nextval(func.pg_get_serial_sequence("jobs", "id")))
    .returning(_MESSAGES.c.id, _MESSAGES.c.job_id)
)
_FILLED = ("id", "job_id", "provider_answer", "recorded", "sent_at")  # not taken from the object


def _insert_reserving_job(session: Session, message: Message) -> int | None:
    """On PostgreSQL, insert `message` (a Core INSERT, cheaper than a flush; the object is then
    the session's persistent row) with a job id reserved for it; that id (None elsewhere)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    # What is pending goes in first, as the message's flush would have done (but new jobs).
    engine.flush_but_new_jobs(session)
    values = {c.key: getattr(message, c.key) for c in _MESSAGES.columns if c.key not in _FILLED}
    message_id, job_id = session.connection().execute(_INSERT_RESERVING_JOB, values).one()
    message.id, message.job_id = int(message_id), int(job_id)
    message.provider_answer, message.recorded, message.sent_at = None, False, None
    make_transient_to_detached(message)
    session.add(message)
    return message.job_id


def record_refused(
    session: Session,
    clock: Clock,
    *,
    url: str,
    title: str,
    body: str,
    user_id: int | None,
    idempotency_key: str,
    purpose: str,
    channel: str | None,
    reason: str,
) -> Message:
    """Keep a message the outbox refused to queue (its URL cannot be sent to) as failed, with
    the reason as its answer, for a caller that reports each message's outcome; nothing is
    sent."""
    now = clock.now()
    message = Message(
        url=url,
        scheme=scheme_of(url)[:32],
        title=title,
        body=body,
        incident_id=None,
        user_id=user_id,
        idempotency_key=idempotency_key,
        purpose=purpose,
        channel=channel,
        state=FAILED,
        attempts=0,
        provider_answer=reason,
        recorded=True,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    session.flush()
    return message


def get_message(session: Session, message_id: int) -> Message:
    """One message by id, or NotFound."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"no notification {message_id}", field="message_id")
    return message


def list_messages(
    session: Session,
    *,
    incident_id: int | None = None,
    user_id: int | None = None,
    state: str | None = None,
    limit: int = 100,
    hidden: Collection[int] = frozenset(),
) -> list[Message]:
    """Messages, newest first, filtered by incident, user and state; those about the `hidden`
    incidents are left out before the limit."""
    query = select(Message)
    if state is not None:
        if state not in MESSAGE_STATES:
            raise Invalid(f"unknown state {state!r}", field="state")
        query = query.where(Message.state == state)
    if incident_id is not None:
        query = query.where(Message.incident_id == incident_id)
    if user_id is not None:
        query = query.where(Message.user_id == user_id)
    if hidden:
        query = query.where(or_(Message.incident_id.is_(None), Message.incident_id.not_in(hidden)))
    return list(session.scalars(query.order_by(Message.id.desc()).limit(max(1, min(limit, 1000)))))


def counts_by_state(session: Session) -> dict[tuple[str, str], int]:
    """Messages counted by (scheme, state), for /metrics."""
    rows = session.execute(
        select(Message.scheme, Message.state, func.count()).group_by(Message.scheme, Message.state)
    )
    return {(scheme, state): int(n) for scheme, state, n in rows}


def channel_of(message: Message) -> str:
    """The channel a message went through: its contact method's name, else its kind of URL."""
    return message.channel or channel_kind(message.scheme)


def channel_kind(scheme: str) -> str:
    """A bounded label for /metrics: email, webhook, or the Apprise scheme (ntfy, slack, ...)."""
    if scheme in ("mailto", "mailtos"):
        return "email"
    if scheme in ("http", "https", "json", "jsons", "form", "forms", "xml", "xmls"):
        return "webhook"
    return scheme or "unknown"


def page_deliveries(session: Session, incident_id: int, limit: int = 50) -> list[PageDelivery]:
    """The messages of an incident's pages, oldest first: person, channel, state, answer."""
    rows = session.execute(
        select(Message, User.email)
        .outerjoin(User, User.id == Message.user_id)
        .where(Message.incident_id == incident_id, Message.purpose.startswith("page"))
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()
    return [
        PageDelivery(
            message_id=m.id,
            page_id=m.page_id,
            person=email,
            channel=channel_of(m),
            target=mask_url(m.url),
            purpose=m.purpose,
            state=m.state,
            attempts=m.attempts,
            provider_answer=shown_answer(m.provider_answer),
            updated_at=m.updated_at,
        )
        for m, email in reversed(rows)
    ]


def failures_by_channel(session: Session) -> dict[str, int]:
    """Failed messages counted by channel kind (email, webhook, ntfy, ...), for /metrics."""
    rows = session.execute(
        select(Message.scheme, func.count()).where(Message.state == FAILED).group_by(Message.scheme)
    )
    counts: dict[str, int] = {}
    for scheme, n in rows:
        kind = channel_kind(scheme)
        counts[kind] = counts.get(kind, 0) + int(n)
    return counts


def page_channels(session: Session, page_id: int, *, key_prefix: str | None = None) -> set[str]:
    """The channels (contact method names) a page has been sent through so far (only by
    messages whose idempotency key starts with `key_prefix`, if given)."""
    query = select(Message.channel).where(Message.page_id == page_id, Message.channel.is_not(None))
    if key_prefix is not None:
        query = query.where(Message.idempotency_key.startswith(key_prefix, autoescape=True))
    return {channel for channel in session.scalars(query) if channel}


def page_states(session: Session, page_id: int) -> dict[str, str]:
    """The state of a page's message on each channel it was sent through."""
    rows = session.execute(
        select(Message.channel, Message.state).where(
            Message.page_id == page_id, Message.channel.is_not(None)
        )
    )
    return {channel: state for channel, state in rows if channel}
