"""Failover: a page whose message fails moves on to the person's next contact method.

Delivery records `paging:notification:failing` on the first failed attempt of a message (it
keeps retrying with back-off) and `paging:notification:failed` when it gives up. Either way,
if the page still matters, the person's next contact method not yet used for this page gets
the page now (`paging:page:failover`). When no method is left, the incident says so loudly
(`paging:page:unreachable`): the person cannot be reached by any configured means.

A pending `paging.notify` job (a later rule, or a failover) whose contact method the config
removed meanwhile does the same: it is recorded (`paging:page:unsendable`) and the page moves
on to the person's next contact method not yet used for it, or says they are unreachable.
"""

from __future__ import annotations

from typing import Any

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
    move_on(session, clock, row, event.payload.get("channel"), event.payload.get("answer", ""))


def move_on(session: Session, clock: Clock, row: Page, failed: str | None, answer: str) -> None:
    """The page goes to the person's next contact method not yet used for it (after `failed`
    in their order), or, with none left and no other message carrying it, they are unreachable."""
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
            payload={"page_id": row.id, "user": who, "tried": sorted(used), "answer": answer},
        )  # fmt: skip
        return
    # Queued by the engine, due now: the job has the settings (the SMTP URL) to address it.
    key = failover_key(row, method.name)
    payload = {
        "page_id": row.id, "contact_method_id": method.id, "contact": method.name, "rule": 0,
        "key": key,
    }  # fmt: skip
    engine.enqueue(session, clock, NOTIFY_KIND, payload, dedup_key=key, incident_id=row.incident_id)
    timeline.record(
        session, clock, incident_id=row.incident_id, kind="paging:page:failover", actor=ACTOR,
        payload={"page_id": row.id, "user": who, "from": failed, "to": method.name,
                 "answer": answer},
    )  # fmt: skip


def pending_contact(
    session: Session, row: Page, payload: dict[str, Any]
) -> tuple[ContactMethod | None, str | None]:
    """The contact method a pending `paging.notify` job of the page means, and its name.

    The job names the method's id; the method is the person's of that name (a failover job
    names it, a rule's is in the page's `paging:page:queued` event), so an id the config no
    longer gives that method (removed, written anew, or handed to another by SQLite) is not
    followed: the method is looked up by (person, name). (None, name): the person no longer
    has it; (None, None): nothing says which it was.
    """
    name = _pending_name(session, row, payload)
    by_id = session.get(ContactMethod, int(payload["contact_method_id"]))
    if by_id is not None and by_id.user_id == row.user_id and name in (None, by_id.name):
        return by_id, by_id.name
    if name is None:
        return None, None
    query = select(ContactMethod).where(
        ContactMethod.user_id == row.user_id, ContactMethod.name == name
    )
    return session.scalar(query), name


def _pending_name(session: Session, row: Page, payload: dict[str, Any]) -> str | None:
    if payload.get("contact"):
        return str(payload["contact"])
    key = str(payload.get("key") or "")
    if key.startswith(failover_key(row, "")):  # a failover queued before jobs named it
        return key.removeprefix(failover_key(row, ""))
    n = int(payload.get("rule", 0))
    for event in timeline.events_since(
        session, incident_id=row.incident_id, kinds=["paging:page:queued"]
    ):
        rules = event.payload.get("rules") or []
        if event.payload.get("page_id") == row.id and n < len(rules):
            return str(rules[n].get("contact") or "") or None
    return None


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
