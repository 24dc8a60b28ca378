"""warroom.memo: reads remembered for one transaction, only where the caller enabled it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from warroom import memo


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    with Session(engine) as s:
        yield s
    engine.dispose()


def counter() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    return calls, compute


def test_without_enable_every_call_computes(session: Session) -> None:
    calls, compute = counter()
    assert memo.remember(session, "k", compute) == 1
    assert memo.remember(session, "k", compute) == 2
    assert len(calls) == 2


def test_enabled_transaction_computes_once_per_key(session: Session) -> None:
    memo.enable(session)
    calls, compute = counter()
    assert memo.remember(session, "k", compute) == 1
    assert memo.remember(session, "k", compute) == 1
    assert memo.remember(session, ("other", 1), compute) == 2
    assert len(calls) == 2
    memo.enable(session)  # enabling again in the same transaction keeps what it holds
    assert memo.remember(session, "k", compute) == 1


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_new_transaction_remembers_nothing(session: Session, end: str) -> None:
    memo.enable(session)
    _, compute = counter()
    memo.remember(session, "k", compute)
    getattr(session, end)()
    session.execute(text("SELECT 1"))  # the next transaction begins
    assert memo.remember(session, "k", compute) == 2
    assert memo.remember(session, "k", compute) == 3  # not enabled
    memo.enable(session)
    assert memo.remember(session, "k", compute) == 4
    assert memo.remember(session, "k", compute) == 4
