"""Recording timeline events onto their hash chain, and reading them back."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Boolean, Integer, Select, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class

from warroom.audit import batching, heads, sentences
from warroom.audit.chain import event_hash, normalise_payload
from warroom.audit.models import GLOBAL_CHAIN, TimelineEvent
from warroom.audit.pagination import decode_cursor, encode_cursor
from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.events import DomainEvent, publish

KIND = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")
MAX_PAGE = 500


def batch(session: Session) -> None:
    """The rest of this transaction's events are written together, before it commits or
    reads through the session (`warroom.audit.batching`): for jobs that record many."""
    batching.batch(session)


def chain_of(incident_id: int | None) -> int:
    return GLOBAL_CHAIN if incident_id is None else incident_id


def record(
    session: Session,
    clock: Clock,
    *,
    incident_id: int | None,
    kind: str,
    actor: str,
    payload: dict[str, Any] | None = None,
    new_chain: bool = False,
) -> TimelineEvent:
    """Append an event to its chain in the caller's transaction, then publish it.

    `new_chain`: the first event of an incident made in this transaction (saves a look-up)."""
    if not KIND.match(kind):
        raise Invalid(
            f"event kind {kind!r} must be source:subject:action in lower case", field="kind"
        )
    if not actor:
        raise Invalid("an event needs an actor", field="actor")
    body = normalise_payload(payload)
    chain = chain_of(incident_id)
    occurred_at = clock.now()
    values: dict[str, Any] = {
        "chain": chain,
        "incident_id": incident_id,
        "kind": kind,
        "actor": actor,
        "occurred_at": occurred_at,
        "payload": body,
        "starred": False,
    }
    if not new_chain and batching.batching(session):
        # Written with the transaction's other events (warroom.audit.batching); the event
        # is given its id then.
        waiting = _MANAGER.new_instance()
        waiting.__dict__.update(values)
        batching.wait(session, clock, values, waiting)
        publish(session, clock, DomainEvent(kind, incident_id, actor, body, None))
        return waiting
    # A Core INSERT (cheaper than a flush); the returned event is then attached to the session
    # as the persistent object of that row, without a second INSERT.
    event_id = _append_first(session, values) if new_chain else None
    created = event_id is not None
    if event_id is None:
        seq, prev_hash, created = heads.advance(session, chain, new=new_chain)
        seal(values, seq, prev_hash)
        event_id = append(session, values)
    digest = str(values["hash"])
    event = _persistent(values, event_id)
    session.add(event)
    if created:
        heads.anchor_at_commit(session, clock, chain, digest)
    publish(session, clock, DomainEvent(kind, incident_id, actor, body, event.id))
    return event


_EVENTS: Table = TimelineEvent.__table__  # type: ignore[assignment]
_MANAGER = manager_of_class(TimelineEvent)


def _persistent(values: dict[str, Any], event_id: int) -> TimelineEvent:
    """The object of an event row just inserted, filled as a loaded row is (the constructor's
    per-attribute events cost more than the rest of the bookkeeping), detached until added."""
    if not TimelineEvent.__mapper__.configured:
        configure_mappers()
    event: TimelineEvent = _MANAGER.new_instance()
    event.__dict__.update(values, id=event_id)
    make_transient_to_detached(event)
    return event


_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_COLUMNS = [
    "chain",
    "seq",
    "incident_id",
    "kind",
    "actor",
    "occurred_at",
    "payload",
    "prev_hash",
    "hash",
    "starred",
]
# PostgreSQL: the event row and its chain head's new hash in one statement (one round trip).
_NEW_EVENT = (
    insert(_EVENTS)
    .values({name: bindparam(f"_e_{name}") for name in _COLUMNS})
    .returning(_EVENTS.c.id)
    .cte("new_event")
)
_INSERT_EVENT_SET_HASH = (
    update(heads.HEADS)
    .where(heads.HEADS.c.chain == bindparam("_chain"))
    .values(last_seq=bindparam("_e_seq"), last_hash=bindparam("_e_hash"))
    .returning(select(_NEW_EVENT.c.id).scalar_subquery())
)


def seal(values: dict[str, Any], seq: int, prev_hash: str) -> None:
    """Give the event its place in the chain and the hash that links it there."""
    values["seq"], values["prev_hash"] = seq, prev_hash
    values["hash"] = event_hash(
        chain=values["chain"],
        seq=seq,
        incident_id=values["incident_id"],
        kind=values["kind"],
        actor=values["actor"],
        occurred_at=values["occurred_at"],
        payload=values["payload"],
        prev_hash=prev_hash,
    )


# PostgreSQL: a new chain's head and its first event in one statement. The event is inserted
# only if the head was (one that exists already has events: `record` then appends after them).
_NEW_HEAD = (
    postgresql.insert(heads.HEADS)
    .values(chain=bindparam("_e_chain"), last_seq=1, last_hash=bindparam("_e_hash"))
    .on_conflict_do_nothing()
    .returning(heads.HEADS.c.chain)
    .cte("new_head")
)
# Typed: a SELECT list infers no type from the column it is inserted into.
_FIRST_TYPES: dict[str, Any] = {name: _EVENTS.c[name].type for name in _COLUMNS}
_FIRST_TYPES.update(incident_id=Integer(), starred=Boolean())
_INSERT_FIRST_EVENT = (
    insert(_EVENTS)
    .from_select(
        _COLUMNS,
        select(
            *(bindparam(f"_e_{name}", type_=_FIRST_TYPES[name]) for name in _COLUMNS)
        ).select_from(_NEW_HEAD),
    )
    .returning(_EVENTS.c.id)
)


def _append_first(session: Session, values: dict[str, Any]) -> int | None:
    """The first event of a chain made in this transaction (PostgreSQL): its head created
    with the event's hash and the event inserted in one round trip; its id, or None when the
    chain has a head already (or on SQLite), for the caller to append as usual."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or int(values["chain"]) in heads.held(session):
        return None
    session.flush()  # pending changes first, as an ORM statement's autoflush would
    seal(values, 1, "")
    params = {f"_e_{name}": value for name, value in values.items()}
    event_id = conn.execute(_INSERT_FIRST_EVENT, params).scalar()
    if event_id is None:
        return None
    heads.hold(session, int(values["chain"]), 1, str(values["hash"]))
    return int(event_id)


def append(session: Session, values: dict[str, Any]) -> int:
    """Insert the event row and record its hash as its chain's head; the event's id."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        params = {f"_e_{name}": value for name, value in values.items()}
        params["_chain"] = values["chain"]
        event_id = int(conn.execute(_INSERT_EVENT_SET_HASH, params).scalar_one())
    else:
        event_id = int(conn.execute(_INSERT_EVENT, values).scalar_one())
        heads.set_hash(session, int(values["chain"]), int(values["seq"]), str(values["hash"]))
    heads.hold(session, int(values["chain"]), int(values["seq"]), str(values["hash"]))
    return event_id


def chain_head(session: Session, *, incident_id: int | None) -> tuple[int, str]:
    """(last seq, last hash) of a timeline; (0, "") before its first event."""
    return heads.head_of(session, chain_of(incident_id))


def _page_query(
    incident_id: int | None,
    cursor: str | None,
    limit: int,
    starred: bool | None,
    kind_prefix: str | None,
    newest_first: bool,
    base: Select[Any],
) -> Select[Any]:
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    query = base.where(TimelineEvent.chain == chain_of(incident_id))
    if cursor:
        after = decode_cursor(cursor, "seq")["seq"]
        query = query.where(
            TimelineEvent.seq < after if newest_first else TimelineEvent.seq > after
        )
    if starred is not None:
        query = query.where(TimelineEvent.starred.is_(starred))
    if kind_prefix:
        query = query.where(TimelineEvent.kind.startswith(kind_prefix, autoescape=True))
    order = TimelineEvent.seq.desc() if newest_first else TimelineEvent.seq.asc()
    return query.order_by(order).limit(limit + 1)


def timeline_page(
    session: Session,
    *,
    incident_id: int | None,
    cursor: str | None = None,
    limit: int = 50,
    starred: bool | None = None,
    kind_prefix: str | None = None,
    newest_first: bool = False,
) -> tuple[list[TimelineEvent], str | None]:
    """One page of a timeline in seq order (keyset on seq) and the cursor of the next page."""
    query = _page_query(
        incident_id, cursor, limit, starred, kind_prefix, newest_first, select(TimelineEvent)
    )
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(seq=rows[-1].seq) if more and rows else None)


def timeline_rows(
    session: Session,
    *,
    incident_id: int | None,
    cursor: str | None = None,
    limit: int = 50,
    starred: bool | None = None,
    kind_prefix: str | None = None,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """Like timeline_page, as plain rows (the API's fast path, no ORM objects)."""
    base = select(*TimelineEvent.__table__.c)
    query = _page_query(incident_id, cursor, limit, starred, kind_prefix, newest_first, base)
    rows = list(session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(seq=rows[-1].seq) if more and rows else None)


def last_events(session: Session, *, incident_id: int, count: int = 10) -> list[TimelineEvent]:
    """The newest events of an incident, oldest first."""
    rows, _ = timeline_page(session, incident_id=incident_id, limit=count, newest_first=True)
    return list(reversed(rows))


def get_event(session: Session, *, incident_id: int | None, seq: int) -> TimelineEvent:
    """One event by its position in a timeline, or NotFound."""
    event = session.scalar(
        select(TimelineEvent).where(
            TimelineEvent.chain == chain_of(incident_id), TimelineEvent.seq == seq
        )
    )
    if event is None:
        raise NotFound(f"no timeline event #{seq}", field="seq")
    return event


def star_event(
    session: Session,
    clock: Clock,
    *,
    incident_id: int,
    seq: int,
    starred: bool,
    actor: str,
) -> TimelineEvent:
    """Star or unstar an event (starred events lead the postmortem); the change is recorded."""
    event = get_event(session, incident_id=incident_id, seq=seq)
    if event.starred != starred:
        event.starred = starred
        record(
            session,
            clock,
            incident_id=incident_id,
            kind="incident:event:starred" if starred else "incident:event:unstarred",
            actor=actor,
            payload={"seq": seq, "event_kind": event.kind},
        )
    return event


def events_since(session: Session, *, incident_id: int, kinds: list[str]) -> list[TimelineEvent]:
    """Every event of an incident whose kind is in kinds, oldest first."""
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.chain == incident_id, TimelineEvent.kind.in_(kinds))
            .order_by(TimelineEvent.seq)
        )
    )


def recorded(
    session: Session, *, kinds: list[str], incident_id: int | None = None
) -> list[tuple[int, int, str, str, dict[str, Any]]]:
    """(chain, seq, kind, actor, payload) of every event of these kinds (in one timeline if
    given)."""
    query = select(
        TimelineEvent.chain,
        TimelineEvent.seq,
        TimelineEvent.kind,
        TimelineEvent.actor,
        TimelineEvent.payload,
    )
    query = query.where(TimelineEvent.kind.in_(kinds))
    if incident_id is not None:
        query = query.where(TimelineEvent.chain == incident_id)
    rows = session.execute(query.order_by(TimelineEvent.chain, TimelineEvent.seq))
    return [(int(c), int(s), str(k), str(a), dict(p or {})) for c, s, k, a, p in rows]


def sentence(kind: str, payload: dict[str, Any] | None, *, whole: bool = False) -> str:
    """How an event reads, the same on every screen (`warroom.audit.sentences`)."""
    return sentences.describe(kind, payload, whole=whole)
