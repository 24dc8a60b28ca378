"""The `notify.deliver` job: send one queued message and record what happened.

The message is marked `sending` and committed before the outbound call, so no transaction is
open while the provider is slow. A crash between the call and the final commit leaves the
message `sending`; the job's lease runs out, another worker sends again (at least once; the
idempotency key lets webhook receivers drop the duplicate).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, PermanentFailure, handler
from warroom.metrics import NOTIFICATION_ATTEMPTS
from warroom.notify.models import FAILED, QUEUED, SENDING, SENT, Message
from warroom.notify.senders import Outgoing, get_sender, redact
from warroom.notify.service import DELIVER_KIND

log = logging.getLogger("warroom.notify")


class DeliveryFailed(Exception):
    """The provider did not take the message; the job retries with back-off."""


@handler(DELIVER_KIND)
def deliver(ctx: JobContext, job: Job) -> None:
    session = ctx.session
    message = session.get(Message, int(job.payload["message_id"]), with_for_update=True)
    if message is None:
        return  # deleted meanwhile: nothing to send
    if message.state in (SENT, FAILED):
        _record_on_timeline(session, ctx.clock, message)  # only if a crash skipped it
        return
    message.state = SENDING
    message.attempts += 1
    message.updated_at = ctx.clock.now()
    outgoing = Outgoing(
        url=message.url,
        title=message.title,
        body=message.body,
        idempotency_key=message.idempotency_key,
        message_id=message.id,
    )
    session.commit()  # no transaction stays open during the outbound call

    result = get_sender().send(outgoing)
    NOTIFICATION_ATTEMPTS.labels(scheme=message.scheme, result="ok" if result.ok else "error").inc()

    message.provider_answer = result.answer
    message.updated_at = ctx.clock.now()
    if result.ok:
        message.state = SENT
        message.sent_at = ctx.clock.now()
        session.commit()  # sent is sent, even if the timeline write below fails
        _record_on_timeline(session, ctx.clock, message)
        return
    last = not result.retryable or job.attempts >= job.max_attempts
    message.state = FAILED if last else QUEUED
    session.commit()
    if last:
        _record_on_timeline(session, ctx.clock, message)
        session.commit()
        raise PermanentFailure(f"delivery to {redact(message.url)} failed: {result.answer}")
    raise DeliveryFailed(f"delivery to {redact(message.url)} failed: {result.answer}")


def _record_on_timeline(session: Session, clock: Clock, message: Message) -> None:
    if message.recorded or message.incident_id is None:
        return
    record = _audit_record()
    if record is None:
        return
    kind = "paging:notification:sent" if message.state == SENT else "paging:notification:failed"
    payload: dict[str, Any] = {
        "message_id": message.id,
        "purpose": message.purpose,
        "user_id": message.user_id,
        "target": redact(message.url),
        "attempts": message.attempts,
        "answer": (message.provider_answer or "")[:500],
    }
    record(
        session, clock, incident_id=message.incident_id, kind=kind, actor="engine", payload=payload
    )
    message.recorded = True


def _audit_record() -> Any:
    """warroom.audit.service.record, imported when first needed (the audit domain is optional
    for the engine: without it, deliveries are still recorded on the message rows)."""
    try:
        module = importlib.import_module("warroom.audit.service")
    except ModuleNotFoundError:
        log.warning("warroom.audit.service is missing: delivery not put on the timeline")
        return None
    return getattr(module, "record", None)
