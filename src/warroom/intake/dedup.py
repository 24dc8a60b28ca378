"""Dedup: one open alert per (integration, fingerprint), written with few round trips.

Bumps the repeats of a batch with one UPDATE ... RETURNING (for an unchanged snapshot re-send
that is all), reads the open alerts of the rest with one query (on PostgreSQL the same
statement, `bump_and_lookup`) and resolves with one executemany. New alerts are inserted in
bulk with ON CONFLICT DO NOTHING on the partial unique index (`new_alerts.insert_new`), so
that a concurrent writer who inserted the same alert first turns ours into a repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Table, and_, bindparam, literal_column, null, select, union_all, update
from sqlalchemy.orm import Session

from warroom.incidents import service as incidents
from warroom.intake.models import FIRING, RESOLVED, Alert
from warroom.intake.schemas import NormalisedAlert

T = TypeVar("T")
_NEVER = datetime(1, 1, 2, tzinfo=UTC)
CHUNK = 400
ALERTS: Table = Alert.__table__  # type: ignore[assignment]
C = ALERTS.c


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class OpenRow:
    id: int
    incident_id: int | None
    service: str | None
    starts_at: datetime | None = None


@dataclass
class Refiring:
    """An open alert that fired again while its incident is resolved or closed (by hand), or
    (`incident_id` None) while held back by a silence or maintenance window that may have
    ended since (`suppressed_by`)."""

    id: int
    incident_id: int | None
    incident_status: str | None
    suppressed_by: str | None = None


HELD_BACK = ("silence:", "maintenance:")  # suppressions that end; a Watchdog's never does


@dataclass
class Outcome:
    """What dedup did with a batch; `new` alerts still need routing and grouping."""

    repeats: int = 0
    new: list[NormalisedAlert] = field(default_factory=list)
    resolved: list[tuple[NormalisedAlert, OpenRow]] = field(default_factory=list)
    acknowledged: list[tuple[NormalisedAlert, OpenRow]] = field(default_factory=list)
    ignored: int = 0
    # Repeats whose incident is no longer open: they go to warroom.intake.refire.
    refiring: list[tuple[NormalisedAlert, Refiring]] = field(default_factory=list)


def unique_by_fingerprint(alerts: Iterable[NormalisedAlert]) -> list[NormalisedAlert]:
    """The last occurrence of each fingerprint wins (a batch is a snapshot)."""
    seen: dict[str, NormalisedAlert] = {}
    for alert in alerts:
        seen.pop(alert.fingerprint, None)
        seen[alert.fingerprint] = alert
    return list(seen.values())


_OPEN_OR_SEEN = select(
    C.id, C.fingerprint, C.incident_id, C.service, C.starts_at, C.resolved_at
).where(
    C.integration == bindparam("integration"),
    C.fingerprint.in_(bindparam("fps", expanding=True)),
    C.resolved_at.is_(None) | C.starts_at.in_(bindparam("starts", expanding=True)),
)


def lookup(
    session: Session, integration: str, alerts: list[NormalisedAlert]
) -> tuple[dict[str, OpenRow], set[tuple[str, datetime]]]:
    """One query: the open alerts of a batch, and (fingerprint, starts_at) of resolved ones.

    The second set recognises a late re-send of an already-resolved alert (Alertmanager HA
    peers, retries), which must not open a new alert.
    """
    found: dict[str, OpenRow] = {}
    seen: set[tuple[str, datetime]] = set()
    conn = session.connection()
    for part in chunks(alerts):
        starts = list({a.starts_at for a in part if a.sender_start and a.starts_at})
        rows = conn.execute(
            _OPEN_OR_SEEN,
            {
                "integration": integration,
                "fps": [a.fingerprint for a in part],
                "starts": starts or [_NEVER],
            },
        )
        for row in rows:
            if row.resolved_at is None:
                found[row.fingerprint] = OpenRow(
                    row.id, row.incident_id, row.service, row.starts_at
                )
            elif row.starts_at is not None:
                seen.add((row.fingerprint, row.starts_at))
    return found, seen


_BUMP = (
    update(ALERTS)
    .where(C.id.in_(bindparam("ids", expanding=True)))
    .values(count=C.count + 1, last_seen_at=bindparam("now"))
)


def bump(session: Session, ids: list[int], now: datetime) -> None:
    conn = session.connection()
    for part in chunks(ids):
        conn.execute(_BUMP, {"ids": part, "now": now})


def _any_of(column: Any, name: str, one: bool) -> Any:
    """`column IN :name`, or `column = :name` in a statement run with one value: SQLAlchemy
    renders an expanding IN again on each execution (~0.1 ms for `_BUMP_AND_LOOK`)."""
    return column == bindparam(name) if one else column.in_(bindparam(name, expanding=True))


def _bump_open(one: bool = False) -> Any:
    return (
        update(ALERTS)
        .where(
            C.integration == bindparam("_integration"),
            C.resolved_at.is_(None),
            _any_of(C.fingerprint, "_fps", one),
        )
        .values(count=C.count + 1, last_seen_at=bindparam("_now"))
        # The incident's status rides along (one index lookup per row, no extra round trip),
        # so that only repeats whose incident was resolved by hand take the refire path.
        .returning(
            C.fingerprint, C.id, C.incident_id, incidents.status_of(C.incident_id), C.suppressed_by
        )
    )


_BUMP_OPEN = _bump_open()
_NOT_OPEN = ("resolved", "closed")


def bump_fingerprints(
    session: Session, integration: str, fps: list[str], now: datetime
) -> dict[str, Refiring | None]:
    """Count a repeat on the open alerts with these fingerprints: fingerprint -> None, or
    what refire needs when the alert's incident is no longer open or a silence or maintenance
    window held the alert back (it may have ended since)."""
    found: dict[str, Refiring | None] = {}
    for part in chunks(fps):
        rows = session.connection().execute(
            _BUMP_OPEN, {"_integration": integration, "_fps": part, "_now": now}
        )
        for fp, row_id, incident_id, status, suppressed in rows:
            found[fp] = _refiring(row_id, incident_id, status, suppressed)
    return found


def _refiring(row_id: int, incident_id: Any, status: Any, suppressed: Any) -> Refiring | None:
    if status in _NOT_OPEN and incident_id is not None:
        return Refiring(row_id, incident_id, status)
    if incident_id is None and (suppressed or "").startswith(HELD_BACK):
        return Refiring(row_id, None, None, suppressed)
    return None


# One round trip: rows tagged 0 bumped (as _BUMP_OPEN returns them), tagged 1 what
# _OPEN_OR_SEEN finds of the other fingerprints (in the statement's snapshot).
def _bump_and_look(one: bool) -> Any:
    bumped = _bump_open(one).cte("bumped")
    return union_all(
        select(literal_column("0"), *bumped.c, *(null() for _ in range(3))),
        select(
            literal_column("1"), C.fingerprint, C.id, C.incident_id, null(), null(),
            C.service, C.starts_at, C.resolved_at,
        ).where(
            C.integration == bindparam("_integration"),
            _any_of(C.fingerprint, "_rest", one),
            C.resolved_at.is_(None) | _any_of(C.starts_at, "_starts", one),
            C.fingerprint.not_in(select(bumped.c.fingerprint)),
        ),
    )  # fmt: skip


_BUMP_AND_LOOK, _BUMP_AND_LOOK_ONE = _bump_and_look(False), _bump_and_look(True)


def bump_and_lookup(
    session: Session, integration: str, alerts: list[NormalisedAlert], now: datetime
) -> tuple[dict[str, Refiring | None], dict[str, OpenRow], set[tuple[str, datetime]]] | None:
    """`bump_fingerprints` of the firing alerts, then `lookup` of the others, in one statement
    (PostgreSQL, one chunk; else None: the caller runs the two). An open row of a firing
    alert seen but not bumped changed meanwhile (resolved by a concurrent writer): the rest
    is then looked up again, after the bump, as the two statements would have seen it."""
    if len(alerts) > CHUNK or session.get_bind().dialect.name != "postgresql":
        return None
    firing = [a.fingerprint for a in alerts if a.status == FIRING]
    starts = list({a.starts_at for a in alerts if a.sender_start and a.starts_at}) or [_NEVER]
    params = {"_integration": integration, "_fps": firing, "_now": now, "_starts": starts}
    params["_rest"] = [a.fingerprint for a in alerts]
    statement = _BUMP_AND_LOOK
    if len(alerts) == 1:  # one value each (no firing one: `= NULL` matches nothing, as IN ())
        statement = _BUMP_AND_LOOK_ONE
        params.update(_fps=firing[0] if firing else None, _rest=alerts[0].fingerprint)
        params["_starts"] = starts[0]
    bumped, found, seen = {}, {}, set()
    rows = session.connection().execute(statement, params)
    for tag, fp, row_id, incident_id, status, suppressed, service, starts_at, ended in rows:
        if int(tag) == 0:
            bumped[fp] = _refiring(row_id, incident_id, status, suppressed)
        elif ended is None:
            found[fp] = OpenRow(row_id, incident_id, service, starts_at)
        elif starts_at is not None:
            seen.add((fp, starts_at))
    if any(fp in found for fp in firing):
        found, seen = lookup(
            session, integration, [a for a in alerts if a.fingerprint not in bumped]
        )
    return bumped, found, seen


_LOCK_OPEN = (
    select(C.id)
    .where(
        C.integration == bindparam("integration"),
        C.fingerprint.in_(bindparam("fps", expanding=True)),
        C.resolved_at.is_(None),
    )
    .order_by(C.id)
    .with_for_update()
)


def lock_open(session: Session, integration: str, fps: list[str]) -> None:
    """Lock the open alerts with these fingerprints, in id order (PostgreSQL; SQLite's
    intake writers take turns anyway)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for part in chunks(fps):
        session.connection().execute(_LOCK_OPEN, {"integration": integration, "fps": part}).all()


def _older(alert: NormalisedAlert, row: OpenRow) -> bool:
    return (
        alert.sender_start
        and alert.starts_at is not None
        and row.starts_at is not None
        and alert.starts_at < row.starts_at
    )


def classify(
    session: Session, integration: str, alerts: list[NormalisedAlert], now: datetime
) -> Outcome:
    """Sort a batch into repeats (bumped here), new, resolved, acknowledged and ignored."""
    alerts = unique_by_fingerprint(alerts)
    # Firing alerts that are open already are repeats: bumped at once, by fingerprint.
    firing = [a.fingerprint for a in alerts if a.status == FIRING]
    if firing and len(firing) < len(alerts):
        # A batch that counts repeats and also resolves or acknowledges: every open row it
        # names is locked in id order first, so that two such batches in opposite states (a
        # flapping pair, HA peers) wait for each other instead of each holding its repeat's
        # row while it waits for the other's.
        lock_open(session, integration, [a.fingerprint for a in alerts])
    together = bump_and_lookup(session, integration, alerts, now) if firing else None
    if together is not None:
        bumped, existing, stale = together
        rest = [a for a in alerts if a.fingerprint not in bumped]
    else:
        bumped = bump_fingerprints(session, integration, firing, now) if firing else {}
        rest = [a for a in alerts if a.fingerprint not in bumped]
        existing, stale = lookup(session, integration, rest) if rest else ({}, set())
    out = Outcome()
    for alert in alerts:
        refiring = bumped.get(alert.fingerprint)
        if refiring is not None:
            out.refiring.append((alert, refiring))
    repeat_ids: list[int] = []  # opened by a concurrent writer since the bump
    candidates: list[NormalisedAlert] = []
    for alert in rest:
        row = existing.get(alert.fingerprint)
        if alert.status == FIRING:
            if row is not None:
                repeat_ids.append(row.id)
            else:
                candidates.append(alert)
        elif row is None:
            if alert.status == RESOLVED and alert.sender_start and alert.starts_at is not None:
                candidates.append(alert)  # first seen already resolved: keep it, as resolved
            else:
                out.ignored += 1  # resolve/ack of nothing open: PagerDuty drops these too
        elif alert.status == RESOLVED:
            if _older(alert, row):
                out.ignored += 1  # a late "resolved" of an earlier firing of this alert
            else:
                out.resolved.append((alert, row))
        else:
            out.acknowledged.append((alert, row))
    for alert in candidates:
        if alert.starts_at is not None and (alert.fingerprint, alert.starts_at) in stale:
            out.ignored += 1
        else:
            out.new.append(alert)
    bump(session, sorted(repeat_ids), now)
    out.repeats = len(bumped) + len(repeat_ids)
    return out


_RESOLVE = (
    update(ALERTS)
    .where(and_(C.id == bindparam("_id"), C.resolved_at.is_(None)))
    .values(
        status=RESOLVED,
        resolved_at=bindparam("_now"),
        last_seen_at=bindparam("_now"),
        ends_at=bindparam("_ends"),
    )
)


_STILL_OPEN = (
    select(C.id)
    .where(C.id.in_(bindparam("ids", expanding=True)), C.resolved_at.is_(None))
    .order_by(C.id)
    .with_for_update()
)


def resolve_rows(
    session: Session, items: list[tuple[NormalisedAlert, OpenRow]], now: datetime
) -> list[tuple[NormalisedAlert, OpenRow]]:
    """Resolve these alerts; the ones this transaction resolved. Their rows are locked in id
    order first and read after the lock: a concurrent request that resolved one first (an
    Alertmanager HA peer sending the same notification) has told its incident, so we don't."""
    if not items:
        return []
    conn = session.connection()
    ordered = sorted(items, key=lambda item: item[1].id)
    still_open: set[int] = set()
    for part in chunks(ordered):
        rows = conn.execute(_STILL_OPEN, {"ids": [row.id for _, row in part]})
        still_open.update(int(r[0]) for r in rows)
    mine = [item for item in ordered if item[1].id in still_open]
    if mine:
        params = [
            {"_id": row.id, "_ends": alert.ends_at or now, "_now": now} for alert, row in mine
        ]
        conn.execute(_RESOLVE, params)
    return mine


_ACKNOWLEDGE = (
    update(ALERTS)
    .where(C.id.in_(bindparam("ids", expanding=True)), C.acknowledged_at.is_(None))
    .values(acknowledged_at=bindparam("now"), last_seen_at=bindparam("now"))
)


def acknowledge_rows(session: Session, ids: list[int], now: datetime) -> None:
    for part in chunks(ids):
        session.connection().execute(_ACKNOWLEDGE, {"ids": part, "now": now})
