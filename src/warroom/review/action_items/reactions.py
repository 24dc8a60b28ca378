"""Reactions to other parts of the review: a postmortem created after an incident's action
items were added becomes their postmortem too (one UPDATE in the postmortem's transaction)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.events import DomainEvent, Handler
from warroom.review.action_items.models import ActionItem
from warroom.review.action_items.service import postmortem_of


def _on_postmortem_created(session: Session, clock: Clock, event: DomainEvent) -> None:
    if event.incident_id is None:
        return
    found = postmortem_of(session, event.incident_id)
    if found is None:
        return
    session.execute(
        update(ActionItem)
        .where(ActionItem.incident_id == event.incident_id, ActionItem.postmortem_id.is_(None))
        .values(postmortem_id=found)
        .execution_options(synchronize_session=False)
    )


SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("review:postmortem:created", _on_postmortem_created),
)
