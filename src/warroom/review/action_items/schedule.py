"""The engine jobs of an action item's due date: a reminder before it, the overdue flag at it.

Each job carries the item's generation; changing the due date, the status or the owner bumps
the generation and re-plans, so a job planned before the change does nothing when it fires.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.review.action_items.models import ACTIVE

if TYPE_CHECKING:
    from warroom.review.action_items.config import Options
    from warroom.review.action_items.models import ActionItem

REMIND = "review.action_item.remind"
OVERDUE = "review.action_item.overdue"
EXPORT = "review.action_item.export"


def key(kind: str, item_id: int) -> str:
    """The dedup key of an item's pending job of this kind."""
    return f"{kind}:{item_id}"


def plan(session: Session, clock: Clock, item: ActionItem, opts: Options) -> None:
    """Cancel the item's pending reminder and overdue check; queue new ones if still due."""
    for kind in (REMIND, OVERDUE):
        engine.cancel(session, dedup_key=key(kind, item.id), clock=clock)
    if item.status not in ACTIVE or item.due_at is None:
        return
    now = clock.now()
    payload = {"action_item": item.id, "generation": item.generation}
    remind_at = item.due_at - opts.reminder_before
    if remind_at > now:
        _queue(session, clock, REMIND, item, payload, remind_at)
    _queue(session, clock, OVERDUE, item, payload, max(item.due_at, now))


def _queue(
    session: Session,
    clock: Clock,
    kind: str,
    item: ActionItem,
    payload: dict[str, int],
    run_at: datetime,
) -> None:
    engine.enqueue(
        session,
        clock,
        kind,
        payload,
        run_at=run_at,
        dedup_key=key(kind, item.id),
        incident_id=item.incident_id,
    )
