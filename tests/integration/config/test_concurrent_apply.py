"""Applies that run at once on one PostgreSQL database take turns, the migration included.

Two `warroom config apply DIR` (or two `warroom serve --config DIR`) on a new database both
find it unmigrated and migrate it. Before, both ran Alembic at the same moment: the second
failed with "duplicate key value violates unique constraint pg_type_typname_nsp_index" and
applied nothing. Now the migration takes a PostgreSQL advisory lock: the second waits, finds
the schema at head, and its apply finds the first one's rows (nothing to change, no second
revision). Two applies of different configs on a migrated database are serialised by the
apply lock: the second's plan is computed against the first's result.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import PG_ADMIN_URL, _pg_error, need
from tests.unit.config.helpers import write
from warroom import migrate
from warroom.clock import FakeClock
from warroom.config import service
from warroom.config.models import ConfigRevision
from warroom.db import Database

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _both(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread; what each returned, or the exception it raised."""
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def new_pg_url() -> Iterator[str]:
    """An empty PostgreSQL database, never migrated (SQLite has no such race: one writer)."""
    error = _pg_error()
    need(error is None, f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({error})")
    name = f"warroom_race_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _first_apply(url: str, barrier: Any, answers: Any) -> None:
    """One process's `config apply` of a new database, migrating once the other is ready to."""

    def upgrade(to: str) -> None:
        barrier.wait()  # both have found the database unmigrated before either migrates
        migrate.upgrade(to)

    try:
        result = service.apply_directory(url, EXAMPLES / "atlas", "test", upgrade=upgrade)
        answers.put(("applied", result.revision_id is not None))
    except Exception as exc:
        answers.put(("failed", str(exc).splitlines()[0]))


def test_two_first_applies_on_a_new_postgresql_database(new_pg_url: str) -> None:
    context = multiprocessing.get_context("spawn")  # two processes, as two `warroom` commands
    barrier, answers = context.Barrier(2, timeout=60), context.Queue()
    workers = [
        context.Process(target=_first_apply, args=(new_pg_url, barrier, answers)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    got = sorted(answers.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    # Before: [("applied", True), ("failed", "(psycopg.errors.UniqueViolation) duplicate key
    # value violates unique constraint "pg_type_typname_nsp_index" ...")].
    assert got == [("applied", False), ("applied", True)]
    database = Database(new_pg_url)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(ConfigRevision)) == 1
    finally:
        database.dispose()


def test_two_applies_of_different_configs_take_turns(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    one = write(tmp_path / "one", {})
    two = write(
        tmp_path / "two",
        {"services.yaml": "services:\n  - {key: api, name: API v2, team: sre}\n"},
    )
    service.apply_directory(db.url, one, "test", clock=clock)
    results = _both(
        lambda: service.apply_directory(db.url, two, "a", clock=clock),
        lambda: service.apply_directory(db.url, two, "b", clock=clock),
    )
    assert all(isinstance(r, service.ApplyResult) for r in results), results
    # One of them changed the name; the other, after it, found nothing to change.
    assert sorted(r.plan.lines() for r in results) == [
        [],
        ['~ update service api: name: "API" -> "API v2"'],
    ]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ConfigRevision)) == 2
