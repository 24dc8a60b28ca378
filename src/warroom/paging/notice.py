"""A page that could not be delivered says so in the server's log, with how to read it.

On a local run nothing may listen at the default `mailto://localhost:25`: every e-mail page
then fails and retries, and without this line a newcomer never sees a page at all. One line per
message, on its first failed attempt (`paging:notification:failing`), or on its final failure
(`paging:notification:failed`) when that was its first attempt (refused for good at once: a 4xx
answer, an address warroom never calls), so no `failing` came before it; naming the incident, the
person, the channel, what the provider said and the `warroom outbox show` command that prints
the page's text from the outbox (`notify_messages`, which keeps every message).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.clock import Clock
from warroom.events import DomainEvent, Handler
from warroom.incidents import service as incidents

log = logging.getLogger("warroom.pages")
FAILED = "paging:notification:failed"


def _reason(answer: str) -> str:
    """The provider's answer in a few words: its last line, shortened."""
    lines = [line.strip() for line in answer.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no answer"
    return last if len(last) <= 100 else last[:99] + "…"


def notice(incident: str, who: str, channel: str, answer: str, message_id: int) -> str:
    """The one line: whose page, by what, why not delivered, how to read it."""
    return (
        f"page for {incident} to {who} by {channel}: not delivered ({_reason(answer)}); "
        f"read it with `warroom outbox show {message_id}`"
    )


def on_undelivered(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Log the notice for a page's message whose first attempt failed."""
    payload = event.payload
    if not str(payload.get("purpose", "")).startswith("page") or "message_id" not in payload:
        return
    # `failing` is recorded only on a first attempt that will be retried: a final failure
    # after more attempts was logged then; one on the first attempt was not.
    if event.kind == FAILED and int(payload.get("attempts") or 0) > 1:
        return
    incident = (
        incidents.get_incident_by_id(session, event.incident_id) if event.incident_id else None
    )
    user = session.get(User, int(payload["user_id"])) if payload.get("user_id") else None
    who = user.email if user else str(payload.get("target") or "?")
    log.warning(
        notice(
            incident.ref if incident else "no incident",
            who,
            str(payload.get("channel") or "?"),
            str(payload.get("answer") or ""),
            int(payload["message_id"]),
        )
    )


SUBSCRIPTIONS: list[tuple[str, Handler]] = [
    ("paging:notification:failing", on_undelivered),
    (FAILED, on_undelivered),
]
