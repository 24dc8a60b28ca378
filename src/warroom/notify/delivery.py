"""The `notify.deliver` job: send one queued message and record what happened.

The message is marked `sending` and committed before the outbound call, so no transaction is
open while the provider is slow. A crash between the call and the final commit leaves the
message `sending`; the job's lease runs out, another worker sends again (at least once; the
idempotency key lets webhook receivers drop the duplicate). The job keeps one spare attempt
for that; if even the spare is lost, `abandoned` marks the message failed.

Deliveries run on the worker's thread pool (see `warroom.engine.concurrency`), at most
`DestinationSlots.limit` at once per destination host: a message to a busy host is postponed
(its attempt not counted) rather than holding a thread, and the host's lane is paused (see
`warroom.engine.lanes`): its other queued messages are not claimed until the pause ends (or the
host answers again), so a hanging host neither holds threads nor keeps the workers
busy claiming its messages, and delays nobody else.

Responders see failures where they look: the first failed attempt of a message is recorded on
the incident timeline (`paging:notification:failing`, which also makes paging try the person's
next contact method), the last as `paging:notification:failed`; each failed attempt counts in
`warroom_notification_failures_total{channel}`. What they see names the destination by scheme
and host only (`warroom.redaction.mask_url`): the timeline's target, the job's error and the
provider's answer, which is stored masked (it may repeat the URL or the recipient's address).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import logging
import random
import threading
import time
from datetime import timedelta
from typing import Any, NoReturn

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class

from warroom.clock import Clock
from warroom.db import error_text
from warroom.engine import lanes
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, PermanentFailure, Postpone, handler
from warroom.metrics import NOTIFICATION_ATTEMPTS, NOTIFICATION_FAILURES
from warroom.notify.destinations import SLOTS, destination_lane, destination_of
from warroom.notify.models import FAILED, QUEUED, SENDING, SENT, Message
from warroom.notify.senders import Outgoing, SendResult, get_sender
from warroom.notify.service import DELIVER_KIND, channel_kind
from warroom.redaction import mask_answer, mask_url
from warroom.settings import Settings

log = logging.getLogger("warroom.notify")
# How long a message to a busy destination waits before it is tried again (spread, so that
# many messages to one slow host do not all come back at the same moment).
BUSY_WAIT_S = (1.0, 5.0)
# A host whose slots are all busy but which made progress within this long is working, only
# busy: its message alone waits a moment (WORKING_WAIT_S). One that made none for longer is
# stalled: its whole lane is paused, until the pause ends or one of its sends succeeds.
PAUSE_AFTER_S = 5.0
WORKING_WAIT_S = (0.2, 1.0)
# How long a delivery waits for a free slot before it postpones: enough for a fast host's
# sends to finish, short enough that a hanging host holds pool threads only briefly.
SLOT_WAIT_S = 0.5
FAILING = "paging:notification:failing"
SENT_EVENT = "paging:notification:sent"
FAILED_EVENT = "paging:notification:failed"
_MESSAGES: Table = Message.__table__  # type: ignore[assignment]
_UPDATES: dict[tuple[str, ...], Any] = {}  # built once per set of columns


class DeliveryFailed(Exception):
    """The provider did not take the message; the job retries with back-off."""


@handler(DELIVER_KIND)
def deliver(ctx: JobContext, job: Job) -> None:
    session = ctx.session
    message = _take(session, ctx.clock, int(job.payload["message_id"]))
    if message is None:
        message = session.get(Message, int(job.payload["message_id"]), with_for_update=True)
        if message is not None:  # sent or failed: on the timeline, if a crash skipped it
            _record_on_timeline(session, ctx.clock, message)
        return  # or deleted meanwhile: nothing to send
    # A host stuck for longer than the wait frees no slot within it: postpone at once
    # rather than hold a pool thread that a message to a working host could use.
    wait_s = 0.0 if SLOTS.stalled_for(message.url) > SLOT_WAIT_S else SLOT_WAIT_S
    with SLOTS.take(message.url, wait=wait_s) as got:
        if not got:
            _pause_destination(ctx, message.url)
        deny_private = ctx.settings.outbound_private == "deny"
        outgoing = _outgoing(message, deny_private, ctx.settings)
        session.commit()  # no transaction stays open during the outbound call
        result = _send(outgoing)
    if result.ok:  # the host answers: a pause of ours ends now (its messages go again)
        _resume_destination(session, message.url)
    _finish(ctx, job, message, result)


def _send(outgoing: Outgoing) -> SendResult:
    """The sender's result; a sender that raises is a failed attempt like any other (the
    message must not stay `sending`, with no failover and nothing on the timeline)."""
    try:
        return get_sender().send(outgoing)
    except Exception as exc:
        log.exception("delivery of message %s raised", outgoing.message_id)
        return SendResult(False, f"{type(exc).__name__}: {exc}")


# Lanes this process paused, and until when: an answer from the host ends the pause early
# (one DELETE, only while a pause of ours may be in force).
_paused: dict[str, float] = {}
_paused_lock = threading.Lock()


def _pause_destination(ctx: JobContext, url: str) -> NoReturn:
    """Every slot of the host stays busy: put this job back and, if the host is stalled,
    pause its lane (all its queued messages wait, none is claimed meanwhile). The longer the
    host has been stuck, the longer the pause (at most about a minute)."""
    stalled = min(60.0, SLOTS.stalled_for(url))
    if stalled < PAUSE_AFTER_S:  # busy but working: only this message waits, briefly
        after = timedelta(seconds=random.uniform(*WORKING_WAIT_S))
        raise Postpone(f"{destination_of(url)} is busy", after=after)
    wait = random.uniform(*BUSY_WAIT_S) + stalled
    lane = destination_lane(url)
    ctx.session.rollback()  # the message row's lock goes; this job changed nothing
    lanes.pause(ctx.session, ctx.clock, lane, ctx.clock.now() + timedelta(seconds=wait),
                reason=f"{destination_of(url)} is busy")  # fmt: skip
    ctx.session.commit()
    with _paused_lock:
        _paused[lane] = time.monotonic() + wait
    raise Postpone(f"{destination_of(url)} is busy", after=timedelta(seconds=wait))


def _resume_destination(session: Session, url: str) -> None:
    lane = destination_lane(url)
    with _paused_lock:
        until = _paused.pop(lane, None)
    if until is not None and until > time.monotonic():
        lanes.resume(session, lane)
        session.commit()


# Messages to the public (status-page subscribers): what they receive says nothing of
# warroom's own counts (outbox ids, subscriber ids in the idempotency key).
PUBLIC_PURPOSES = frozenset({"status_subscriber"})


def _store(session: Session, message: Message, **values: Any) -> None:
    """Write these columns of a message this transaction loaded with one Core UPDATE, and set
    them on the object as loaded: a delivery writes its message three times (sending, the
    answer, recorded), and the ORM's flush of a changed object cost more than the statement."""
    keys = tuple(values)
    statement = _UPDATES.get(keys)
    if statement is None:
        where = _MESSAGES.c.id == bindparam("_id")
        statement = update(_MESSAGES).where(where).values({k: bindparam(k) for k in keys})
        _UPDATES[keys] = statement
    session.connection().execute(statement, {"_id": message.id, **values})
    for key, value in values.items():
        set_committed_value(message, key, value)


# The attempt starts: a message still to send is marked `sending` (one more attempt) and read
# back, locked, in one statement. A postponed delivery rolls it back (its attempt not counted).
_TAKE = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("_id"), _MESSAGES.c.state.in_((QUEUED, SENDING)))
    .values(state=SENDING, attempts=_MESSAGES.c.attempts + 1, updated_at=bindparam("_now"))
    .returning(*_MESSAGES.c)
)
_MESSAGE_MANAGER = manager_of_class(Message)


def _take(session: Session, clock: Clock, message_id: int) -> Message | None:
    """The message, its attempt started (see _TAKE); None if it is sent, failed or gone."""
    row = session.connection().execute(_TAKE, {"_id": message_id, "_now": clock.now()}).first()
    if row is None:
        return None
    if not Message.__mapper__.configured:
        configure_mappers()
    message: Message = _MESSAGE_MANAGER.new_instance()
    message.__dict__.update(row._mapping)  # as a loaded row: nothing for the session to flush
    make_transient_to_detached(message)
    session.add(message)
    return message


def _outgoing(message: Message, deny_private: bool, settings: Settings) -> Outgoing:
    public = message.purpose in PUBLIC_PURPOSES
    key = message.idempotency_key
    if public:  # the same on every attempt (the receiver's dedup), opaque to the receiver
        digest = hmac.new(settings.secret_key.encode(), key.encode(), hashlib.sha256)
        key = "status-" + digest.hexdigest()[:32]
    return Outgoing(
        url=message.url,
        title=message.title,
        body=message.body,
        idempotency_key=key,
        message_id=message.id,
        public=public,
        deny_private=deny_private,
    )


def _finish(ctx: JobContext, job: Job, message: Message, result: SendResult) -> None:
    session = ctx.session
    NOTIFICATION_ATTEMPTS.labels(scheme=message.scheme, result="ok" if result.ok else "error").inc()
    # Kept as shown: an answer may repeat the URL (its secret path) or the recipient's address.
    answer, now = mask_answer(result.answer), ctx.clock.now()
    if result.ok:
        if _sent_at_once(ctx, message, answer):
            return
        _store(session, message, provider_answer=answer, updated_at=now, state=SENT, sent_at=now)
        session.commit()  # sent is sent, even if the timeline write below fails
        _record_on_timeline(session, ctx.clock, message)
        return
    NOTIFICATION_FAILURES.labels(channel=channel_kind(message.scheme)).inc()
    # The job has one spare attempt for a worker lost mid-send (see queue_message).
    budget = max(1, job.max_attempts - 1)
    last = not result.retryable or message.attempts >= budget
    state = FAILED if last else QUEUED
    _store(session, message, provider_answer=answer, updated_at=now, state=state)
    if message.attempts == 1 and not last:
        _record_on_timeline(session, ctx.clock, message, kind=FAILING)
    if last:
        _record_on_timeline(session, ctx.clock, message)
    session.commit()
    text = f"delivery to {mask_url(message.url)} failed: {message.provider_answer}"
    if last:
        raise PermanentFailure(text)
    raise DeliveryFailed(text)


def _sent_at_once(ctx: JobContext, message: Message, answer: str) -> bool:
    """A sent message, its timeline event and its job done, in one transaction; False (all of
    it rolled back) when that could not be committed: the caller then keeps the message sent on
    its own first, as a sent message must stay sent (its next attempt would send it again).

    The timeline comes first, as in every transaction that writes an incident's chain and then
    its messages and jobs (the lock order of docs/dev/engine.md)."""
    session, now = ctx.session, ctx.clock.now()
    if ctx.completer is None or message.recorded:
        return False
    values: dict[str, Any] = {"provider_answer": answer, "updated_at": now, "state": SENT}
    values["sent_at"] = now
    try:
        record = _audit_record() if message.incident_id is not None else None
        if record is not None:
            record(session, ctx.clock, incident_id=message.incident_id, kind=SENT_EVENT,
                   actor="engine", payload=_timeline_payload(message, answer))  # fmt: skip
            values["recorded"] = True
        _store(session, message, **values)
        if ctx.complete_now():
            return True
    except Exception as exc:  # the database's error: its SQL and values stay out of the log
        log.warning("message %s was sent; recording it failed (%s): keeping it sent first",
                    message.id, error_text(exc))  # fmt: skip
    session.rollback()
    return False


def abandoned(ctx: JobContext, job: Job) -> None:
    """The job was lost with its worker on its last attempt: the message failed, visibly."""
    message = ctx.session.get(Message, int(job.payload["message_id"]), with_for_update=True)
    if message is None or message.state in (SENT, FAILED):
        return
    message.state = FAILED
    answer = message.provider_answer or ""
    message.provider_answer = f"{answer}\nits worker was lost while sending".strip()
    message.updated_at = ctx.clock.now()
    _record_on_timeline(ctx.session, ctx.clock, message)


def retried(session: Session, clock: Clock, job: Job) -> None:
    """An admin retried the failed delivery job: its failed message is queued again, with a
    fresh attempt budget, and its next outcome lands on the timeline like the first."""
    message = session.get(Message, int(job.payload["message_id"]), with_for_update=True)
    if message is None or message.state != FAILED:
        return
    message.state, message.attempts, message.recorded = QUEUED, 0, False
    message.updated_at = clock.now()


def given_up(session: Session, clock: Clock, job: Job, reason: str, actor: str) -> None:
    """The job ended unsent (an admin cancelled it, or it failed on no send's account): the
    message failed, visibly, rather than stay `queued` for good."""
    message = session.get(Message, int(job.payload["message_id"]), with_for_update=True)
    if message is None or message.state in (SENT, FAILED):
        return
    message.state = FAILED
    message.provider_answer = f"{message.provider_answer or ''}\n{reason}".strip()
    message.updated_at = clock.now()
    _record_on_timeline(session, clock, message, actor=actor)


deliver.abandoned = abandoned  # type: ignore[attr-defined]
deliver.retried = retried  # type: ignore[attr-defined]
deliver.given_up = given_up  # type: ignore[attr-defined]


def _record_on_timeline(
    session: Session,
    clock: Clock,
    message: Message,
    kind: str | None = None,
    *,
    actor: str = "engine",
) -> None:
    final = kind is None
    if (final and message.recorded) or message.incident_id is None:
        return
    record = _audit_record()
    if record is None:
        return
    if kind is None:
        kind = SENT_EVENT if message.state == SENT else FAILED_EVENT
    payload = _timeline_payload(message, message.provider_answer)
    record(session, clock, incident_id=message.incident_id, kind=kind, actor=actor, payload=payload)
    if final:
        _store(session, message, recorded=True)


def _timeline_payload(message: Message, answer: str | None) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "purpose": message.purpose,
        "user_id": message.user_id,
        "page_id": message.page_id,
        "channel": message.channel,
        "target": mask_url(message.url),
        "attempts": message.attempts,
        "answer": (answer or "")[:500],
    }


def _audit_record() -> Any:
    """warroom.audit.service.record, imported when first needed (the audit domain is optional
    for the engine: without it, deliveries are still recorded on the message rows)."""
    try:
        module = importlib.import_module("warroom.audit.service")
    except ModuleNotFoundError:
        log.warning("warroom.audit.service is missing: delivery not put on the timeline")
        return None
    return getattr(module, "record", None)
