"""Scheduled maintenance: announced by an admin, started and completed by engine jobs.

Announcing queues the start and finish jobs at their times and tells subscribers; each of the
jobs moves the window on and tells subscribers again. An admin may take a window back
(`cancel`): one not started is cancelled and leaves the page, one under way ends now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import Clock, utc
from warroom.comms.public_text import check_public
from warroom.db import take_turns
from warroom.engine import service as engine
from warroom.errors import Conflict, Invalid, NotFound
from warroom.statuspage import subscribers
from warroom.statuspage.models import Maintenance

START_KIND = "statuspage.maintenance.start"
FINISH_KIND = "statuspage.maintenance.finish"
# A window taken back before it started: shown nowhere, never started or completed.
CANCELLED = "cancelled"


def announce(
    session: Session,
    clock: Clock,
    *,
    name: str,
    body: str,
    components: list[str],
    scheduled_for: datetime,
    scheduled_until: datetime,
    actor: str,
) -> Maintenance:
    """Announce a maintenance window; subscribers hear of it now, at its start and its end.
    The caller checks that the components are the page's (`service.check_components`)."""
    name = (name or "").strip()
    if not name or len(name) > 300:
        raise Invalid("a name of 1 to 300 characters is needed", field="name")
    check_public(name, "name")
    check_public(body, "body")
    if scheduled_until <= scheduled_for:
        raise Invalid("scheduled_until must be after scheduled_for", field="scheduled_until")
    if scheduled_until <= clock.now():
        raise Invalid("scheduled_until is in the past", field="scheduled_until")
    now = clock.now()
    window = Maintenance(
        name=name,
        body=(body or "").strip(),
        components=list(dict.fromkeys(components)),
        status="scheduled",
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    session.add(window)
    session.flush()
    engine.enqueue(session, clock, START_KIND, {"id": window.id}, run_at=scheduled_for,
                   dedup_key=f"statuspage:maintenance:{window.id}:start")  # fmt: skip
    engine.enqueue(session, clock, FINISH_KIND, {"id": window.id}, run_at=scheduled_until,
                   dedup_key=f"statuspage:maintenance:{window.id}:finish")  # fmt: skip
    _tell(session, clock, window, "announced", f"Scheduled maintenance: {window.name}")
    return window


def _tell(session: Session, clock: Clock, window: Maintenance, step: str, subject: str) -> None:
    # As the page shows them: in UTC, whatever offset the times were given with.
    start, end = utc(window.scheduled_for), utc(window.scheduled_until)
    when = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    body = f"{window.body}\n\n{when}".strip()
    subscribers.announce(
        session, clock, key=f"maintenance:{window.id}:{step}", subject=subject, body=body,
        components=list(window.components),
    )  # fmt: skip


def _locked(session: Session, maintenance_id: int) -> Maintenance | None:
    """The window, read fresh after taking turns with every other change of it: its start
    or end job and an admin's cancel, arriving together, see each other's outcome."""
    take_turns(session, f"statuspage.maintenance:{maintenance_id}")
    return session.get(Maintenance, maintenance_id, populate_existing=True)


def cancel(session: Session, clock: Clock, maintenance_id: int) -> Maintenance:
    """Take a window back: one still scheduled is cancelled (off the page and the JSON, its
    jobs cancelled), one under way ends now as at its end; subscribers are told. A completed
    or cancelled one is a Conflict."""
    window = _locked(session, maintenance_id)
    if window is None:
        raise NotFound(f"no maintenance {maintenance_id}", field="id")
    if window.status not in ("scheduled", "in_progress"):
        raise Conflict(f"maintenance {window.id} is {window.status}", field="id")
    for step in ("start", "finish"):
        engine.cancel(session, dedup_key=f"statuspage:maintenance:{window.id}:{step}", clock=clock)
    if window.status == "in_progress":
        _complete(session, clock, window)
        return window
    window.status, window.updated_at = CANCELLED, clock.now()
    session.flush()
    _tell(session, clock, window, CANCELLED, f"Maintenance cancelled: {window.name}")
    return window


def start(session: Session, clock: Clock, maintenance_id: int) -> None:
    """Move a scheduled window to in_progress (idempotent)."""
    window = _locked(session, maintenance_id)
    if window is None or window.status != "scheduled":
        return
    window.status, window.started_at, window.updated_at = "in_progress", clock.now(), clock.now()
    session.flush()
    _tell(session, clock, window, "started", f"Maintenance in progress: {window.name}")


def finish(session: Session, clock: Clock, maintenance_id: int) -> None:
    """Complete a window (idempotent); it stays in the page's history. A cancelled one stays
    cancelled."""
    window = _locked(session, maintenance_id)
    if window is None or window.status in ("completed", CANCELLED):
        return
    _complete(session, clock, window)


def _complete(session: Session, clock: Clock, window: Maintenance) -> None:
    window.status, window.completed_at, window.updated_at = "completed", clock.now(), clock.now()
    window.started_at = window.started_at or window.scheduled_for
    session.flush()
    _tell(session, clock, window, "completed", f"Maintenance completed: {window.name}")


def get(session: Session, maintenance_id: int) -> Maintenance:
    """One maintenance window, or NotFound."""
    window = session.get(Maintenance, maintenance_id)
    if window is None:
        raise NotFound(f"no maintenance {maintenance_id}", field="id")
    return window


def in_progress(session: Session) -> list[Maintenance]:
    """Windows running now."""
    query = select(Maintenance).where(Maintenance.status == "in_progress")
    return list(session.scalars(query.order_by(Maintenance.scheduled_for)))


def listing(session: Session, since: datetime | None = None) -> list[Maintenance]:
    """Windows not yet completed, and completed ones since `since`, soonest first; never a
    cancelled one."""
    query = select(Maintenance).where(Maintenance.status != CANCELLED)
    if since is not None:
        query = query.where(
            (Maintenance.status != "completed") | (Maintenance.scheduled_until >= since)
        )
    return list(session.scalars(query.order_by(Maintenance.scheduled_for)))
