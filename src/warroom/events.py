"""In-transaction subscribers to timeline events.

Every change to an incident is recorded as a timeline event (`source:subject:action`). Other
domains react to those events by subscribing here: the paging engine schedules escalation jobs
when `incident:incident:opened` is recorded, cancels them on `incident:status:acknowledged`, and
so on. Handlers run synchronously inside the caller's transaction, so the reaction (usually a
durable job row) commits or rolls back together with the change. Handlers must not make outbound
calls; slow work belongs in an engine job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warroom.clock import Clock


@dataclass(frozen=True)
class DomainEvent:
    """What a subscriber sees: the timeline event's kind and content."""

    kind: str
    incident_id: int | None
    actor: str
    payload: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None


Handler = Callable[["Session", "Clock", DomainEvent], None]

_subscribers: list[tuple[str, Handler]] = []
# kind -> the handlers whose pattern matches it, in subscription order: every append to a
# timeline publishes, and matching each kind against every pattern each time cost more
# than the handlers that had nothing to do. Replaced whenever the subscriptions change.
_by_kind: dict[str, tuple[Handler, ...]] = {}


def subscribe(pattern: str, handler: Handler) -> None:
    """Call handler for every event whose kind matches pattern (fnmatch, e.g. 'incident:*')."""
    if (pattern, handler) not in _subscribers:
        _subscribers.append((pattern, handler))
        _forget_matches()


def unsubscribe(pattern: str, handler: Handler) -> None:
    if (pattern, handler) in _subscribers:
        _subscribers.remove((pattern, handler))
        _forget_matches()


def _forget_matches() -> None:
    global _by_kind
    _by_kind = {}  # a new dict: a match being computed from the old subscriptions lands in the old


def _handlers(kind: str) -> tuple[Handler, ...]:
    found = _by_kind.get(kind)
    if found is None:
        cache = _by_kind
        found = tuple(h for pattern, h in list(_subscribers) if fnmatchcase(kind, pattern))
        if len(cache) < 10_000:  # kinds are a fixed vocabulary; never grow without bound
            cache[kind] = found
    return found


def publish(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Run every matching handler now, inside the caller's transaction."""
    for handler in _handlers(event.kind):
        handler(session, clock, event)
