"""Export an action item to an issue tracker: a generic JSON POST to the configured webhook.

The body is {"title", "description", "owner", "due", "priority", "horizon", "impact", "effort",
"status", "incident": {"ref", "number", "title", "drill", "url"}, "action_item": {"id", "url"}},
sent with an `Idempotency-Key` so a retried export does not open a second issue at a tracker
that honours it. The answer's status code, and the issue's id and URL when the tracker returns
them (`id`, `key` or `number`; `url`, `html_url` or `web_url`), are kept on the item and on the
timeline.
The webhook URL is a secret: it never appears in an error, a job or the timeline.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom import outbound
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, PermanentFailure, Retry
from warroom.errors import Conflict
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.redaction import scrub_text
from warroom.review.action_items import service
from warroom.review.action_items.config import Options, options, tracker_url
from warroom.review.action_items.models import (
    EXPORT_FAILED,
    EXPORT_QUEUED,
    EXPORT_RETRYING,
    EXPORT_SENT,
    ActionItem,
)
from warroom.review.action_items.schedule import EXPORT, key

ACTOR = "warroom:action_items"
ID_FIELDS = ("id", "key", "number")
URL_FIELDS = ("url", "html_url", "web_url")


def request(session: Session, clock: Clock, item: ActionItem, opts: Options, actor: str) -> None:
    """Queue the export of an item (Conflict naming `export` when no tracker is configured)."""
    if not opts.export_enabled:
        raise Conflict(
            "no issue tracker is configured (action_items.export.webhook_url)", field="export"
        )
    if item.export_state in (EXPORT_QUEUED, EXPORT_RETRYING):
        return
    incidents.lock_by_id(session, item.incident_id)
    item.export_state, item.export_error, item.export_attempts = EXPORT_QUEUED, None, 0
    engine.enqueue(
        session,
        clock,
        EXPORT,
        {"action_item": item.id},
        dedup_key=key(EXPORT, item.id),
        incident_id=item.incident_id,
        max_attempts=opts.max_attempts,
    )
    service.record(session, clock, item, "export_queued", actor)


def body_of(item: ActionItem, incident: Incident, public_url: str) -> dict[str, Any]:
    """The generic JSON the tracker's webhook receives."""
    base = public_url.rstrip("/")
    return {
        "title": item.title,
        "description": item.description,
        "owner": item.owner,
        "due": item.due_at.isoformat() if item.due_at else None,
        "priority": item.priority,
        "horizon": item.horizon,
        "impact": item.impact,
        "effort": item.effort,
        "status": item.status,
        "incident": {
            "ref": incident.ref,
            "number": incident.number,
            "title": incident.title,
            "drill": incident.drill,
            "url": f"{base}/ui/incidents/{incident.number}",
        },
        "action_item": {"id": item.id, "url": f"{base}/ui/action-items/{item.id}"},
    }


def _post(url: str, body: dict[str, Any], item_id: int, timeout: float) -> tuple[int | None, Any]:
    """(status code, parsed JSON answer or error text); never raises, never shows the URL."""
    import httpx

    headers = {"Idempotency-Key": f"warroom-action-item-{item_id}"}
    try:
        outbound.check_url(url)  # and the address reached (warroom.outbound)
        with httpx.Client(timeout=timeout) as client:
            hook = {"trace": outbound.trace()}
            answer = client.post(url, json=body, headers=headers, extensions=hook)
    except outbound.Refused as exc:
        return None, str(exc)
    except httpx.HTTPError as exc:
        return None, scrub_text(f"{type(exc).__name__}: {exc}", [url])
    try:
        parsed: Any = answer.json()
    except ValueError:
        parsed = None
    return answer.status_code, parsed


def _found(answer: Any, names: tuple[str, ...]) -> str | None:
    if not isinstance(answer, dict):
        return None
    for name in names:
        value = answer.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)[:300]
    return None


def run(ctx: JobContext, job: Job) -> None:
    """The export job: POST, then record the answer; a failure is retried by the engine."""
    session = ctx.session
    item = session.get(ActionItem, int(job.payload["action_item"]))
    url = tracker_url(session)
    if item is None or item.export_state == EXPORT_SENT:
        return
    opts = options(session)
    incident = incidents.get_incident_by_id(session, item.incident_id)
    body = body_of(item, incident, ctx.settings.public_url)
    session.commit()  # no transaction stays open during the call
    if url is None:
        status, answer = None, "no issue tracker is configured"
    else:
        status, answer = _post(url, body, item.id, opts.timeout.total_seconds())
    incidents.lock_by_id(session, item.incident_id)
    session.refresh(item)
    item.export_attempts = job.attempts
    item.export_status_code = status
    if status is not None and 200 <= status < 300:
        _sent(ctx, item, status, answer)
        return
    _failed(ctx, job, item, status, answer, final=url is None)


def _sent(ctx: JobContext, item: ActionItem, status: int, answer: Any) -> None:
    item.export_state, item.export_error = EXPORT_SENT, None
    item.export_ref = _found(answer, ID_FIELDS)
    link = _found(answer, URL_FIELDS)
    # Shown as a link in the web UI: only a web address (never javascript: or data:).
    item.export_url = link if link and link.lower().startswith(("https://", "http://")) else None
    item.exported_at = ctx.clock.now()
    service.record(
        ctx.session, ctx.clock, item, "exported", ACTOR, status_code=status,
        ref=item.export_ref, url=item.export_url, attempts=item.export_attempts,
    )  # fmt: skip


def _failed(
    ctx: JobContext, job: Job, item: ActionItem, status: int | None, answer: Any, *, final: bool
) -> None:
    error = f"the tracker answered {status}" if status is not None else str(answer)
    last = final or job.attempts >= job.max_attempts
    item.export_state = EXPORT_FAILED if last else EXPORT_RETRYING
    item.export_error = error[:2000]
    service.record(
        ctx.session, ctx.clock, item, "export_failed", ACTOR, status_code=status,
        error=item.export_error, attempts=job.attempts, will_retry=not last,
    )  # fmt: skip
    ctx.session.commit()  # the failure stays recorded although the job fails
    if last:
        raise PermanentFailure(f"export of action item {item.id}: {error}")
    raise Retry(f"export of action item {item.id}: {error}", after=retry_delay(job.attempts))


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour between export attempts."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
