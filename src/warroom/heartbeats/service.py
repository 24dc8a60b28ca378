"""Heartbeats (dead man's switch): the watched thing pings; silence opens an incident.

- `ping(session, clock, name)` records a ping (the API route calls it);
  `ping_if_configured(...)` is the same but returns None for an unknown name (for intake, on
  Alertmanager's always-firing `Watchdog` alert). A ping after a miss records
  `heartbeat:heartbeat:recovered` (by the pinger) on the incident the miss opened, and resolves
  it as `warroom:heartbeat` when the heartbeat has `auto_resolve: true`.
- A `heartbeat.check` job (one pending per heartbeat) fires at last ping + interval + grace
  (or activation + interval + grace before the first ping). If a newer ping moved the deadline,
  it re-schedules itself; otherwise the heartbeat is `down` and an incident opens through
  `warroom.incidents.service.open_incident(..., source="heartbeat")`.
- While the heartbeat is down its check comes back every interval + grace to look at that
  incident: once people have resolved (or closed) it and still no ping came, the heartbeat
  re-arms: watched from the resolve, so a full interval + grace later without a ping opens a
  new incident (and pages) instead of staying silent until the next ping.
- Ping and check take the heartbeat's row lock before they read it (`_lock`), then the
  incident's (`lock_by_id`): of a ping and a check at the deadline one waits for the other and
  then sees what it wrote (lock order: docs/dev/engine.md, the heartbeat row before its
  incident's).
- Heartbeats come from the `heartbeats` config section (see `warroom.heartbeats.config`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.db import write_first
from warroom.engine import service as engine
from warroom.errors import NotFound
from warroom.heartbeats.models import DOWN, UP, WAITING, Heartbeat
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident

CHECK_KIND = "heartbeat.check"
ACTOR = "warroom:heartbeat"


def dedup_group(name: str) -> str:
    """The dedup group of the incidents a heartbeat's misses open."""
    return f"heartbeat:{name}"


def check_key(name: str) -> str:
    """The dedup key of a heartbeat's pending check job."""
    return f"heartbeat:{name}"


def list_heartbeats(session: Session, *, include_inactive: bool = False) -> list[Heartbeat]:
    """Configured heartbeats by name."""
    query = select(Heartbeat).order_by(Heartbeat.name)
    if not include_inactive:
        query = query.where(Heartbeat.active.is_(True))
    return list(session.scalars(query))


def incident_numbers(session: Session, heartbeats: list[Heartbeat]) -> dict[int, int]:
    """Incident id -> number of the incidents these heartbeats' misses opened (one query)."""
    ids = {h.incident_id for h in heartbeats if h.incident_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Incident.id, Incident.number).where(Incident.id.in_(ids)))
    return {int(i): int(n) for i, n in rows}


def find(session: Session, name: str) -> Heartbeat | None:
    """The active heartbeat with this name, or None."""
    return session.scalar(select(Heartbeat).where(Heartbeat.name == name, Heartbeat.active))


def get_heartbeat(session: Session, name: str) -> Heartbeat:
    """The active heartbeat with this name, or NotFound."""
    heartbeat = find(session, name)
    if heartbeat is None:
        raise NotFound(f"no heartbeat {name!r} is configured", field="name")
    return heartbeat


def _lock(session: Session, name: str) -> Heartbeat | None:
    """The active heartbeat `name`, its row locked for this transaction and loaded fresh.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite: the database write lock first
    (`write_first`), so nothing read here can change before this transaction commits.
    """
    session.flush()
    query = select(Heartbeat).where(Heartbeat.name == name, Heartbeat.active)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    else:
        write_first(session)
    return session.scalar(query.execution_options(populate_existing=True))


def period(heartbeat: Heartbeat) -> timedelta:
    """interval + grace: how long without a ping counts as a miss."""
    return timedelta(seconds=heartbeat.interval_s + heartbeat.grace_s)


def deadline(heartbeat: Heartbeat) -> datetime:
    """When the heartbeat counts as missed if no ping comes first (counted from the last ping,
    or from when it was last (re-)armed: activation, or its incident resolved by hand)."""
    since = heartbeat.watch_from
    if heartbeat.last_seen_at is not None and heartbeat.last_seen_at > since:
        since = heartbeat.last_seen_at
    return since + period(heartbeat)


def schedule_check(
    session: Session, clock: Clock, heartbeat: Heartbeat, *, at: datetime | None = None
) -> None:
    """Make sure a check job is pending (an earlier one re-schedules itself when it fires)."""
    engine.enqueue(
        session,
        clock,
        CHECK_KIND,
        {"name": heartbeat.name},
        run_at=deadline(heartbeat) if at is None else at,
        dedup_key=check_key(heartbeat.name),
    )


def reschedule_check(session: Session, clock: Clock, heartbeat: Heartbeat) -> None:
    """Replace the pending check (after the interval or grace changed)."""
    engine.cancel(session, dedup_key=check_key(heartbeat.name), clock=clock)
    schedule_check(session, clock, heartbeat)


def ping(session: Session, clock: Clock, name: str, *, actor: str = ACTOR) -> Heartbeat:
    """Record a ping of heartbeat `name`; after a miss, note the recovery on its incident."""
    heartbeat = _lock(session, name)
    if heartbeat is None:
        raise NotFound(f"no heartbeat {name!r} is configured", field="name")
    now = clock.now()
    was_down = heartbeat.state == DOWN or heartbeat.incident_id is not None
    heartbeat.last_seen_at = now
    heartbeat.state = UP
    heartbeat.updated_at = now
    if was_down:
        _recovered(session, clock, heartbeat, actor)
    schedule_check(session, clock, heartbeat)
    return heartbeat


def ping_if_configured(
    session: Session, clock: Clock, name: str, *, actor: str = ACTOR
) -> Heartbeat | None:
    """Ping heartbeat `name` if it is configured; None (and nothing written) if not.

    For intake: when Alertmanager's always-firing `Watchdog` alert arrives, call this with
    the heartbeat name the integration maps it to, so a silent Alertmanager opens an incident.
    """
    if find(session, name) is None:
        return None
    return ping(session, clock, name, actor=actor)


def _recovered(session: Session, clock: Clock, heartbeat: Heartbeat, actor: str) -> None:
    incident_id, down_since = heartbeat.incident_id, heartbeat.down_since
    heartbeat.down_since = None
    heartbeat.incident_id = None
    if incident_id is None:
        return
    from warroom.audit import service as timeline
    from warroom.incidents import service as incidents

    incident = incidents.lock_by_id(session, incident_id)  # before its timeline
    if incident is None:
        return
    payload: dict[str, Any] = {
        "heartbeat": heartbeat.name,
        "down_since": down_since.isoformat() if down_since else None,
        "auto_resolve": heartbeat.auto_resolve,
    }
    timeline.record(
        session,
        clock,
        incident_id=incident_id,
        kind="heartbeat:heartbeat:recovered",
        actor=actor,
        payload=payload,
    )
    if heartbeat.auto_resolve and incident.status in OPEN_STATUSES:
        # The rule resolves it, not whoever's token the monitor pings with: they are not
        # recorded as its resolver, nor made its postmortem's author.
        incidents.resolve(
            session,
            clock,
            incident,
            actor=ACTOR,
            note=f"heartbeat {heartbeat.name} is back (auto_resolve; pinged by {actor})",
        )


def check(session: Session, clock: Clock, name: str) -> Heartbeat | None:
    """Run a due check: re-schedule if a ping came in time, else mark down and open an incident.

    While down, look at the incident the miss opened: still open, come back in interval +
    grace; resolved or closed by people with no ping since, re-arm from the resolve (a new
    deadline, then a new incident).
    """
    heartbeat = _lock(session, name)
    if heartbeat is None:
        return None
    now = clock.now()
    if heartbeat.incident_id is not None and not _rearm(session, clock, heartbeat):
        schedule_check(session, clock, heartbeat, at=now + period(heartbeat))
        return heartbeat
    due = deadline(heartbeat)
    if now < due:
        schedule_check(session, clock, heartbeat)
        return heartbeat
    heartbeat.state = DOWN
    heartbeat.down_since = heartbeat.down_since or now
    heartbeat.updated_at = now
    heartbeat.incident_id = _open_incident(session, clock, heartbeat, due)
    schedule_check(session, clock, heartbeat, at=now + period(heartbeat))
    return heartbeat


def _rearm(session: Session, clock: Clock, heartbeat: Heartbeat) -> bool:
    """False while the heartbeat's incident is open; once people resolved or closed it (no
    ping came since: a ping clears the link), unlink it and watch from its resolve: True."""
    from warroom.incidents import service as incidents

    assert heartbeat.incident_id is not None
    incident = incidents.lock_by_id(session, heartbeat.incident_id)
    if incident is not None and incident.status in OPEN_STATUSES:
        return False
    ended = None if incident is None else (incident.resolved_at or incident.closed_at)
    since = ended or clock.now()
    if since > heartbeat.watch_from:
        heartbeat.watch_from = since
    heartbeat.incident_id = None
    heartbeat.updated_at = clock.now()
    return True


def _open_incident(session: Session, clock: Clock, heartbeat: Heartbeat, due: datetime) -> int:
    from warroom.audit import service as timeline
    from warroom.incidents import service as incidents

    group = dedup_group(heartbeat.name)
    incident = incidents.find_open_by_dedup_group(session, group)
    if incident is not None:  # lock it before its timeline (it may have just been resolved)
        incident = incidents.lock_by_id(session, incident.id)
        if incident is not None and incident.status not in OPEN_STATUSES:
            incident = None
    if incident is None:
        incident = incidents.open_incident(
            session,
            clock,
            actor=ACTOR,
            title=heartbeat.title,
            severity=heartbeat.severity,
            services=[heartbeat.service] if heartbeat.service else [],
            summary=_summary(heartbeat),
            source="heartbeat",
            dedup_group=group,
        )
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="heartbeat:heartbeat:missed",
        actor=ACTOR,
        payload={
            "heartbeat": heartbeat.name,
            "last_seen_at": heartbeat.last_seen_at.isoformat() if heartbeat.last_seen_at else None,
            "deadline": due.isoformat(),
            "interval_s": heartbeat.interval_s,
            "grace_s": heartbeat.grace_s,
        },
    )
    return incident.id


def _summary(heartbeat: Heartbeat) -> str:
    seen = heartbeat.last_seen_at.isoformat() if heartbeat.last_seen_at else "never"
    return (
        f"Heartbeat {heartbeat.name!r} expected a ping every {heartbeat.interval_s}s "
        f"(grace {heartbeat.grace_s}s); last ping: {seen}. The monitoring that should ping "
        "may be down: alerts from it may not be reaching warroom."
    )


def ping_key(secret_key: str, name: str) -> str:
    """The per-heartbeat key that lets a monitor ping without an API token."""
    return hmac.new(secret_key.encode(), f"heartbeat:{name}".encode(), hashlib.sha256).hexdigest()[
        :40
    ]


def key_matches(secret_key: str, name: str, key: str) -> bool:
    """Whether `key` is the ping key of heartbeat `name` (never without a secret)."""
    return bool(secret_key) and hmac.compare_digest(ping_key(secret_key, name), key)


def status_value(heartbeat: Heartbeat) -> int:
    """1 up, 0 down, -1 waiting for a first ping (for /metrics)."""
    return {UP: 1, DOWN: 0, WAITING: -1}.get(heartbeat.state, -1)
