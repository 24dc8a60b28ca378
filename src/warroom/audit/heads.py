"""Chain heads (last position and hash of every chain) and the anchor register.

Heads are advanced with an UPDATE, not read with a SELECT: the UPDATE takes the row lock on
PostgreSQL and the write lock on SQLite before the head is read, so concurrent appends to one
chain serialise. Once a transaction holds a chain's head (it bumped or created it), the head
stays locked until the transaction ends, so its further appends to that chain take the head
from the session (`hold`) instead of bumping it again; each append writes the head's seq and
hash. A rollback (of the transaction or of a savepoint, which releases what it locked)
forgets every held head. A chain's first append creates its head and, for an incident chain, appends
an entry to the anchor register naming the chain and its first event's hash, just before the
transaction commits (so the register's head is locked briefly, see `anchor_at_commit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from warroom.audit.chain import anchor_hash
from warroom.audit.models import ANCHOR_CHAIN, GLOBAL_CHAIN, ChainAnchor, ChainHead
from warroom.clock import Clock

# Built once: every append runs these, and building a statement costs more than running it.
_HEADS: Table = ChainHead.__table__  # type: ignore[assignment]
HEADS = _HEADS  # for audit.service's one-statement append on PostgreSQL
_ANCHORS: Table = ChainAnchor.__table__  # type: ignore[assignment]
_BUMP = (
    update(_HEADS)
    .where(_HEADS.c.chain == bindparam("_chain"))
    .values(last_seq=_HEADS.c.last_seq + 1)
    .returning(_HEADS.c.last_seq, _HEADS.c.last_hash)
)
_SET_HASH = (
    update(_HEADS)
    .where(_HEADS.c.chain == bindparam("_chain"))
    .values(last_seq=bindparam("_s"), last_hash=bindparam("_h"))
)
_INSERT_ANCHOR = insert(_ANCHORS)
# PostgreSQL: the anchor row and the register head's new hash in one statement.
_NEW_ANCHOR = (
    insert(_ANCHORS)
    .values(
        {
            name: bindparam(f"_a_{name}")
            for name in ("seq", "chain", "first_hash", "anchored_at", "prev_hash", "hash")
        }
    )
    .returning(_ANCHORS.c.seq)
    .cte("new_anchor")
)
_INSERT_ANCHOR_SET_HASH = (
    update(_HEADS)
    .where(_HEADS.c.chain == bindparam("_chain"))
    .values(last_seq=bindparam("_a_seq"), last_hash=bindparam("_a_hash"))
    .returning(select(_NEW_ANCHOR.c.seq).scalar_subquery())
)


def advance(session: Session, chain: int, new: bool = False) -> tuple[int, str, bool]:
    """(the next seq, the hash before it, whether this append created the chain).

    `new`: the caller just made what the chain is of (a new incident), so the chain is
    created first, without a bump that would find no row."""
    session.flush()  # pending changes first, as an ORM statement's autoflush would
    held = _held(session).get(chain)
    if held is not None:
        return held[0] + 1, held[1], False
    conn = session.connection()
    if new and _create(session, chain):
        return 1, "", True
    found = conn.execute(_BUMP, {"_chain": chain}).one_or_none()
    if found is not None:
        return int(found[0]), str(found[1]), False
    if _create(session, chain):
        return 1, "", True
    # Another transaction created it meanwhile; its row is committed now, so bump it.
    found = conn.execute(_BUMP, {"_chain": chain}).one()
    return int(found[0]), str(found[1]), False


def _create(session: Session, chain: int) -> bool:
    values = {"chain": chain, "last_seq": 1, "last_hash": ""}
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(_HEADS).values(values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as lite_insert

        stmt = lite_insert(_HEADS).values(values).on_conflict_do_nothing()
    return session.connection().execute(stmt.returning(_HEADS.c.chain)).first() is not None


def set_hash(session: Session, chain: int, seq: int, digest: str) -> None:
    """Record seq and digest as the position and hash of the chain's newest event."""
    session.connection().execute(_SET_HASH, {"_chain": chain, "_s": seq, "_h": digest})


# session.info: (root transaction, {chain: (seq, hash)}) of the heads it holds locked.
_HELD = "warroom.audit.held"


def _held(session: Session) -> dict[int, tuple[int, str]]:
    """The heads the session's current transaction holds (empty in a new transaction)."""
    transaction = session.get_transaction()
    current = session.info.get(_HELD)
    if current is None or current[0] is not transaction:
        current = (transaction, {})
        session.info[_HELD] = current
    held: dict[int, tuple[int, str]] = current[1]
    return held


def held(session: Session) -> dict[int, tuple[int, str]]:
    """{chain: (seq, hash)} of the heads this transaction holds."""
    return _held(session)


def hold(session: Session, chain: int, seq: int, digest: str) -> None:
    """After an append: the chain's head is (seq, digest) and locked until the transaction
    ends, so the next append in it needs no bump."""
    _held(session)[chain] = (seq, digest)


# session.info: chains born in the current transaction, anchored just before it commits.
_BORN = "warroom.audit.born"


@dataclass(frozen=True)
class _Birth:
    chain: int
    first_hash: str
    born_at: datetime
    within: SessionTransaction | None  # the (sub)transaction that created the chain


def anchor_at_commit(session: Session, clock: Clock, chain: int, first_hash: str) -> None:
    """Anchor `chain` when the transaction commits, not now: the register's head row is then
    locked for the last statements of the transaction only, so transactions that open
    incidents do not wait for each other's whole work (only for each other's commit)."""
    if chain in (GLOBAL_CHAIN, ANCHOR_CHAIN):
        return
    within = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_BORN, []).append(_Birth(chain, first_hash, clock.now(), within))


@event.listens_for(Session, "before_commit")
def _anchor_births(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its chains are anchored with the transaction around it
    for birth in session.info.pop(_BORN, []):
        _append_anchor(session, birth.chain, birth.first_hash, birth.born_at)


@event.listens_for(Session, "after_soft_rollback")
def _forget_births(session: Session, previous: SessionTransaction) -> None:
    """Chains created inside a rolled-back (sub)transaction were never born; what it appended
    is gone and the locks it took are released, so no head is held any more."""
    session.info.pop(_HELD, None)
    births = session.info.get(_BORN)
    if births:
        session.info[_BORN] = [b for b in births if not inside(b.within, previous)]


@event.listens_for(Session, "after_transaction_end")
def _drop_births(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # closed without a commit: nothing was born either
        session.info.pop(_BORN, None)


def inside(txn: SessionTransaction | None, outer: SessionTransaction) -> bool:
    """Whether `txn` is `outer` or nested in it (what a rollback of `outer` undid)."""
    while txn is not None:
        if txn is outer:
            return True
        txn = txn.parent
    return False


def anchor(session: Session, clock: Clock, chain: int, first_hash: str) -> None:
    """Append the birth of `chain` (its first event's hash) to the anchor register."""
    if chain in (GLOBAL_CHAIN, ANCHOR_CHAIN):
        return
    _append_anchor(session, chain, first_hash, clock.now())


def _append_anchor(session: Session, chain: int, first_hash: str, now: datetime) -> None:
    seq, prev_hash, _ = advance(session, ANCHOR_CHAIN)
    digest = anchor_hash(
        seq=seq, chain=chain, first_hash=first_hash, anchored_at=now, prev_hash=prev_hash
    )
    values = {
        "seq": seq,
        "chain": chain,
        "first_hash": first_hash,
        "anchored_at": now,
        "prev_hash": prev_hash,
        "hash": digest,
    }
    conn = session.connection()
    if conn.dialect.name == "postgresql":  # the register's head row is locked: one round trip
        params = {f"_a_{name}": value for name, value in values.items()}
        conn.execute(_INSERT_ANCHOR_SET_HASH, {**params, "_chain": ANCHOR_CHAIN})
    else:
        conn.execute(_INSERT_ANCHOR, values)
        set_hash(session, ANCHOR_CHAIN, seq, digest)
    hold(session, ANCHOR_CHAIN, seq, digest)


def head_of(session: Session, chain: int) -> tuple[int, str]:
    """(last seq, last hash) of a chain; (0, "") before its first event."""
    row = session.execute(
        select(ChainHead.last_seq, ChainHead.last_hash).where(ChainHead.chain == chain)
    ).one_or_none()
    return (0, "") if row is None else (int(row[0]), str(row[1]))


def all_heads(session: Session) -> list[tuple[int, int, str]]:
    """(chain, last seq, last hash) of every chain, the anchor register included."""
    rows = session.execute(
        select(ChainHead.chain, ChainHead.last_seq, ChainHead.last_hash).order_by(ChainHead.chain)
    )
    return [(int(c), int(s), str(h)) for c, s, h in rows]
