"""Failover: a page whose message fails moves on to the person's next contact method.

Delivery records `paging:notification:failing` on the first failed attempt of a message (it
keeps retrying with back-off) and `paging:notification:failed` when it gives up. Either way,
if the page still matters, the person's next contact method not yet used for this page gets
the page now (`paging:page:failover`). When no method is left, the incident says so loudly
(`paging:page:unreachable`): the person cannot be reached by any configured means.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.events import DomainEvent, Handler
from warroom.notify import service as notify
from warroom.paging.models import ContactMethod, Page
from warroom.paging.pager import ACTOR, NOTIFY_KIND, failover_key, still_matters


def contact_methods(session: Session, user_id: int) -> list[ContactMethod]:
    """A person's contact methods in their order (as configured)."""
    return list(
        session.scalars(
            select(ContactMethod).where(ContactMethod.user_id == user_id).order_by(ContactMethod.id)
        )
    )


def next_method(
    methods: list[ContactMethod], used: set[str], failed: str | None
) -> ContactMethod | None:
    """The first unused method after the failed one in the person's order, else before it."""
    names = [m.name for m in methods]
    start = names.index(failed) + 1 if failed in names else 0
    for method in methods[start:] + methods[:start]:
        if method.name not in used:
            return method
    return None


def on_delivery_failed(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Queue the page to the person's next contact method, or say nobody can be reached."""
    page_id = event.payload.get("page_id")
    if page_id is None or event.incident_id is None:
        return
    row = session.get(Page, int(page_id))
    if row is None or not still_matters(session, row):
        return
    failed = event.payload.get("channel")
    used = notify.page_channels(session, row.id)
    method = next_method(contact_methods(session, row.user_id), used, failed)
    user = session.get(User, row.user_id)
    who = user.email if user else str(row.user_id)
    if method is None:
        others = notify.page_states(session, row.id)
        others.pop(failed or "", None)
        if set(others.values()) & {"queued", "sending", "sent"}:
            return  # another contact method still carries the page
        if _unreachable_recorded(session, row):
            return
        timeline.record(
            session, clock, incident_id=row.incident_id, kind="paging:page:unreachable",
            actor=ACTOR,
            payload={"page_id": row.id, "user": who, "tried": sorted(used),
                     "answer": event.payload.get("answer", "")},
        )  # fmt: skip
        return
    # Queued by the engine, due now: the job has the settings (the SMTP URL) to address it.
    key = failover_key(row, method.name)
    payload = {"page_id": row.id, "contact_method_id": method.id, "rule": 0, "key": key}
    engine.enqueue(session, clock, NOTIFY_KIND, payload, dedup_key=key, incident_id=row.incident_id)
    timeline.record(
        session, clock, incident_id=row.incident_id, kind="paging:page:failover", actor=ACTOR,
        payload={"page_id": row.id, "user": who, "from": failed, "to": method.name,
                 "answer": event.payload.get("answer", "")},
    )  # fmt: skip


def _unreachable_recorded(session: Session, row: Page) -> bool:
    """Whether this page was already said to be unreachable (once is enough while retrying)."""
    events = timeline.last_events(session, incident_id=row.incident_id, count=50)
    return any(
        e.kind == "paging:page:unreachable" and e.payload.get("page_id") == row.id for e in events
    )


SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("paging:notification:failing", on_delivery_failed),
    ("paging:notification:failed", on_delivery_failed),
)
