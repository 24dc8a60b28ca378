"""Reads remembered for the rest of one transaction, where a caller asked for it.

The engine runs a chunk of paging jobs in one transaction and intake stores a request in one;
each job or alert of it reads the same severities, configuration revision, escalation
policies, schedules and people. A transaction that only reads those (it never writes them)
may call `enable(session)`; from then until the transaction ends, `remember(session, key,
compute)` runs `compute` once per key and hands back the same value. A new transaction (after
a commit or a rollback) starts with nothing remembered. Where `enable` was not called, as in
a configuration apply that writes those rows, `remember` always computes afresh.

Values are ORM objects of this transaction or plain data; treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, SessionTransaction

T = TypeVar("T")
_KEY = "warroom.memo"


def enable(session: Session) -> None:
    """Remember reads for the rest of the session's current transaction (begun if need be)."""
    transaction = _transaction(session)
    current = session.info.get(_KEY)
    if current is None or current[0] is not transaction:
        session.info[_KEY] = (transaction, {})


def remember(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, run once per key in a transaction that enabled remembering."""
    current = session.info.get(_KEY)
    if current is None:
        return compute()
    if current[0] is not session.get_transaction():
        del session.info[_KEY]  # that transaction ended: remember nothing from it
        return compute()
    store: dict[Hashable, Any] = current[1]
    if key not in store:
        store[key] = compute()
    return store[key]


def _transaction(session: Session) -> SessionTransaction:
    transaction = session.get_transaction()
    if transaction is None:
        session.connection()  # begins it
        transaction = session.get_transaction()
    assert transaction is not None
    return transaction
