"""An action's run limits (`limits: {per_incident: N, per_day: M}`), checked when a run is
requested, under a lock on the action's definition row (docs/dev/engine.md, "Lock order")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from warroom.actions.models import COUNTED, ActionDefinition, ActionRun
from warroom.clock import Clock
from warroom.errors import Conflict


def _lock_definition(session: Session, key: str) -> None:
    """Lock the action's definition row for this transaction: one limit check at a time.

    Taken after the incident row (docs/dev/engine.md, "Lock order"). A no-op UPDATE, like
    `incidents.lock_by_id`: the row lock on PostgreSQL, the write lock on SQLite.
    """
    session.flush()
    session.execute(
        update(ActionDefinition)
        .where(ActionDefinition.key == key)
        .values(active=ActionDefinition.active)
        .execution_options(synchronize_session=False)
    )


def check(
    session: Session, clock: Clock, definition: dict[str, Any], key: str, incident_id: int
) -> None:
    """Refuse a run over the action's limits; the caller holds the incident row.

    Counted under the definition's row lock, so two requests for the last allowed run (on
    one incident or, for per_day, on two) are serialised: the second counts the first's run.
    """
    limits = definition.get("limits") or {}
    if limits.get("per_incident") is None and limits.get("per_day") is None:
        return
    _lock_definition(session, key)
    counted = select(func.count(ActionRun.id)).where(
        ActionRun.action_key == key, ActionRun.dry_run.is_(False), ActionRun.state.in_(COUNTED)
    )
    per_incident = limits.get("per_incident")
    if per_incident is not None:
        used = session.scalar(counted.where(ActionRun.incident_id == incident_id)) or 0
        if used >= per_incident:
            raise Conflict(
                f"{key} already ran {used} times on this incident (limit {per_incident})",
                field="action",
            )
    per_day = limits.get("per_day")
    if per_day is not None:
        since = clock.now() - timedelta(days=1)
        used = session.scalar(counted.where(ActionRun.requested_at > since)) or 0
        if used >= per_day:
            raise Conflict(
                f"{key} already ran {used} times in the last 24 hours (limit {per_day})",
                field="action",
            )
