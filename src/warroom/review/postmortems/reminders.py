"""Planning a postmortem's reminder and overdue jobs on the engine.

Each plan bumps the postmortem's generation and queues one `review.postmortem.remind` per
`remind_before` offset still in the future and one `review.postmortem.overdue` at the due
time; a job of an older generation, or of a published postmortem, does nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.clock import Clock, utc
from warroom.engine import service as engine
from warroom.review.postmortems.config import PostmortemsConfig
from warroom.review.postmortems.models import Postmortem

REMIND = "review.postmortem.remind"
OVERDUE = "review.postmortem.overdue"


def _key(kind: str, pm: Postmortem, generation: int, extra: str = "") -> str:
    return f"{kind}:{pm.id}:{generation}{':' + extra if extra else ''}"


def cancel(session: Session, clock: Clock, pm: Postmortem, options: PostmortemsConfig) -> None:
    """Cancel the pending jobs of the postmortem's current plan."""
    offsets = [str(int(o.total_seconds())) for o in options.remind_before]
    for extra in offsets:
        engine.cancel(session, dedup_key=_key(REMIND, pm, pm.generation, extra), clock=clock)
    engine.cancel(session, dedup_key=_key(OVERDUE, pm, pm.generation), clock=clock)


def plan(session: Session, clock: Clock, pm: Postmortem, options: PostmortemsConfig) -> None:
    """(Re)plan the reminders before the due time and the overdue check at it."""
    cancel(session, clock, pm, options)
    pm.generation += 1
    pm.overdue_since = None
    session.flush()
    if pm.due_at is None:
        return
    due = utc(pm.due_at)
    payload = {"postmortem_id": pm.id, "generation": pm.generation}
    for before in options.remind_before:
        run_at = due - before
        if run_at <= clock.now():
            continue  # a reminder whose time has passed would only arrive late
        seconds = int(before.total_seconds())
        engine.enqueue(
            session,
            clock,
            REMIND,
            {**payload, "before_s": seconds},
            run_at=run_at,
            dedup_key=_key(REMIND, pm, pm.generation, str(seconds)),
            incident_id=pm.incident_id,
        )
    engine.enqueue(
        session,
        clock,
        OVERDUE,
        payload,
        run_at=due,
        dedup_key=_key(OVERDUE, pm, pm.generation),
        incident_id=pm.incident_id,
    )
