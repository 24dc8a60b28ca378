"""A transaction's timeline events written together (the engine's paging jobs, in a burst).

In a transaction that called `batch(session)`, `service.record` seals nothing and writes
nothing at once: the event waits in the session. Before the transaction commits, and before
any statement it runs through the session outside a savepoint that names the events or the
chain heads (a read of the timeline sees what it recorded), the waiting events are written
together: their chains' heads are locked and read in one statement (incident chains by id,
the global chain last), each event is given its place and hash in the order it was recorded
(the same chain, seq, content and hashes as one append at a time), all rows go in with one
INSERT, and each chain's head is set to its last event with one UPDATE per chain (one round
trip). A chain whose head does not
exist yet, or a single waiting event, is appended as `record` does otherwise.

A savepoint rolled back forgets the events recorded inside it; the database saw none of them.
What they published (subscribers run at `record`) was rolled back with it. The head locks are
taken when the events are written, later than one append at a time would take them, but still
inside the transaction and after the incident rows it holds (docs/dev/engine.md, lock order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, event, insert, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import TableClause

from warroom.audit import heads
from warroom.audit.models import GLOBAL_CHAIN, TimelineEvent
from warroom.clock import Clock

# session.info: the root transaction whose events are batched.
_ON = "warroom.audit.batching"
# session.info: the events waiting to be written, in the order they were recorded.
_WAITING = "warroom.audit.waiting"

_EVENTS: Table = TimelineEvent.__table__  # type: ignore[assignment]
# Each row's id is matched by its place (chain, seq): one statement on both databases, where
# a RETURNING in the order of the parameters would take one per row on SQLite.
_INSERT_MANY = insert(_EVENTS).returning(_EVENTS.c.id, _EVENTS.c.chain, _EVENTS.c.seq)
_HEADS: Table = heads.HEADS
# Lock and read the heads of several chains at once (a no-op update takes the row locks).
_TAKE = (
    update(_HEADS)
    .where(_HEADS.c.chain.in_(bindparam("_chains", expanding=True)))
    .values(last_seq=_HEADS.c.last_seq)
    .returning(_HEADS.c.chain, _HEADS.c.last_seq, _HEADS.c.last_hash)
)
_SET = (
    update(_HEADS)
    .where(_HEADS.c.chain == bindparam("_chain"))
    .values(last_seq=bindparam("_s"), last_hash=bindparam("_h"))
)


@dataclass
class _Waiting:
    values: dict[str, Any]  # the row without seq, prev_hash, hash
    event: TimelineEvent  # what `record` returned; given its id when written
    within: SessionTransaction | None  # the (sub)transaction that recorded it
    clock: Clock  # the recording's (a chain made when written is anchored on it)


def batch(session: Session) -> None:
    """Write the timeline events of the session's current transaction together."""
    session.info[_ON] = session.get_transaction() or session.begin()


def batching(session: Session) -> bool:
    """Whether this transaction batches its timeline events."""
    on = session.info.get(_ON)
    return on is not None and on is session.get_transaction()


def wait(session: Session, clock: Clock, values: dict[str, Any], event: TimelineEvent) -> None:
    """Keep an event to be written with the transaction's others."""
    within = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_WAITING, []).append(_Waiting(values, event, within, clock))


def write(session: Session) -> None:
    """Write every waiting event of the transaction now (see the module docstring)."""
    waiting: list[_Waiting] = session.info.pop(_WAITING, None) or []
    if not waiting:
        return
    from warroom.audit.service import seal

    if len(waiting) == 1:  # one append as usual: as few statements
        _one(session, waiting[0])
        return
    held = heads.held(session)
    chains = sorted({int(w.values["chain"]) for w in waiting}, key=_lock_order)
    conn = session.connection()
    needed = [c for c in chains if c not in held]
    if needed:
        for chain, seq, digest in conn.execute(_TAKE, {"_chains": needed}):
            heads.hold(session, int(chain), int(seq), str(digest))
    rows: list[_Waiting] = []
    for item in waiting:
        if int(item.values["chain"]) not in held:  # no head yet: made as one append makes it
            _one(session, item)
            continue
        chain = int(item.values["chain"])
        seq, prev_hash = held[chain]
        seal(item.values, seq + 1, prev_hash)
        held[chain] = (seq + 1, str(item.values["hash"]))
        rows.append(item)
    if not rows:
        return
    ids = {(c, s): i for i, c, s in conn.execute(_INSERT_MANY, [item.values for item in rows])}
    last = {int(item.values["chain"]): item.values for item in rows}
    conn.execute(
        _SET,
        [{"_chain": c, "_s": v["seq"], "_h": v["hash"]} for c, v in sorted(last.items())],
    )
    for item in rows:
        _written(item, int(ids[item.values["chain"], item.values["seq"]]))


def _lock_order(chain: int) -> tuple[bool, int]:
    return chain == GLOBAL_CHAIN, chain  # incident chains by id, the global chain last


def _one(session: Session, item: _Waiting) -> None:
    """Append one event as `record` does when not batching."""
    from warroom.audit.service import append, seal

    chain = int(item.values["chain"])
    seq, prev_hash, created = heads.advance(session, chain)
    seal(item.values, seq, prev_hash)
    _written(item, append(session, item.values))
    if created:  # a chain's first event: anchored at commit
        heads.anchor_at_commit(session, item.clock, chain, str(item.values["hash"]))


def _written(item: _Waiting, event_id: int) -> None:
    item.event.__dict__.update(item.values, id=event_id)


@event.listens_for(Session, "do_orm_execute")
def _before_a_statement(state: ORMExecuteState) -> None:
    session = state.session
    waiting = session.info.get(_WAITING) and not session.in_nested_transaction()
    if waiting and _reads_the_timeline(state.statement):
        write(session)


_TIMELINE_TABLES = frozenset({_EVENTS.name, _HEADS.name})


def _reads_the_timeline(statement: Any) -> bool:
    """Whether a statement names the events or the chain heads anywhere (a join, a
    subquery): what it reads must include the waiting events."""
    return any(
        isinstance(element, TableClause) and element.name in _TIMELINE_TABLES
        for element in visitors.iterate(statement)
    )


@event.listens_for(Session, "before_commit", insert=True)
def _before_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        write(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: SessionTransaction) -> None:
    """Events recorded inside a rolled-back (sub)transaction never happened."""
    waiting = session.info.get(_WAITING)
    if waiting:
        session.info[_WAITING] = [w for w in waiting if not heads.inside(w.within, previous)]


@event.listens_for(Session, "after_transaction_end")
def _end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WAITING, None)
        if session.info.get(_ON) is transaction:
            session.info.pop(_ON, None)
