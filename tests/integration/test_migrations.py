"""The Alembic migrations build the same schema as the models, on both databases.

Alembic's autogenerate comparison does not look at partial-index predicates (dedup rests on
`uq_alerts_open_fingerprint ... WHERE resolved_at IS NULL`) and, unless asked, not at server
defaults. `schema_differences` adds both: every index is compared by columns, uniqueness and
predicate, and server defaults are compared too. The tests show it failing on a dropped
predicate and on a changed default.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Identity, MetaData, create_engine, inspect, text

from tests.conftest import PG_ADMIN_URL, _pg_error, need
from warroom.db import make_engine
from warroom.migrate import pending_model_changes, upgrade

IndexDef = tuple[bool, tuple[str, ...], str]


def _predicate(clause: Any) -> str:
    """A WHERE clause in a comparable form: casts, brackets, case and spacing dropped."""
    if clause is None:
        return ""
    value = str(clause).lower()
    value = re.sub(r"::[a-z_]+( varying)?(\(\d+\))?", "", value)
    value = re.sub(r"[()]", " ", value)
    return " ".join(value.split())


def model_indexes(metadata: MetaData, dialect: str) -> dict[tuple[str, str], IndexDef]:
    """(table, index) -> (unique, columns, predicate) as the models declare them."""
    found: dict[tuple[str, str], IndexDef] = {}
    for table in metadata.sorted_tables:
        for index in table.indexes:
            where = index.dialect_options[dialect].get("where")
            columns = tuple(c.name for c in index.columns)
            found[(table.name, str(index.name))] = (bool(index.unique), columns, _predicate(where))
    return found


def database_indexes(conn: Any, dialect: str) -> dict[tuple[str, str], IndexDef]:
    """(table, index) -> (unique, columns, predicate) as the database has them."""
    inspector = inspect(conn)
    found: dict[tuple[str, str], IndexDef] = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        for index in inspector.get_indexes(table):
            if index.get("duplicates_constraint"):
                continue  # the index behind a UNIQUE constraint: compared as a constraint
            where = index.get("dialect_options", {}).get(f"{dialect}_where")
            columns = tuple(str(c) for c in index["column_names"])
            found[(table, str(index["name"]))] = (bool(index["unique"]), columns, _predicate(where))
    return found


def _same_identity(conn: Any, diff: Any) -> bool:
    """Alembic (with compare_server_default) reports an identity column's default as changed;
    whether the database has the identity the model declares is checked here instead."""
    change = diff[0] if isinstance(diff, list) and len(diff) == 1 else diff
    if not (isinstance(change, tuple) and change[0] == "modify_default"):
        return False
    wanted = change[-1]
    if not isinstance(wanted, Identity):
        return False
    if conn.dialect.name == "sqlite":
        return True  # SQLite has no identity columns: the model's Identity renders nothing
    _, _, table, column, *_ = change
    found = next(c for c in inspect(conn).get_columns(table) if c["name"] == column)
    identity = found.get("identity")
    return identity is not None and bool(identity["always"]) == bool(wanted.always)


def schema_differences(url: str) -> list[str]:
    """Every difference between the models and the database at url, predicates included."""
    from warroom.models import metadata

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            dialect = conn.dialect.name
            opts = {"compare_type": True, "compare_server_default": True}
            ctx = MigrationContext.configure(conn, opts=opts)
            diffs = compare_metadata(ctx, metadata)
            out = [repr(diff) for diff in diffs if not _same_identity(conn, diff)]
            wanted, present = model_indexes(metadata, dialect), database_indexes(conn, dialect)
    finally:
        engine.dispose()
    for key in sorted(set(wanted) | set(present)):
        if wanted.get(key) != present.get(key):
            out.append(f"index {key[0]}.{key[1]}: models {wanted.get(key)}, db {present.get(key)}")
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """The URL of a fresh database migrated to head, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/m.db"
        upgrade(url)
        yield url
        return
    error = _pg_error()
    need(error is None, f"PostgreSQL not reachable ({error})")
    name = f"warroom_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_migrations_match_models_predicates_and_defaults_included(migrated: str) -> None:
    assert pending_model_changes(migrated) == []
    assert schema_differences(migrated) == []
    upgrade(migrated)  # idempotent
    assert schema_differences(migrated) == []


def test_the_check_sees_the_partial_index_predicates_it_compares(migrated: str) -> None:
    from warroom.models import metadata

    dialect = "postgresql" if migrated.startswith("postgresql") else "sqlite"
    engine = make_engine(migrated)
    try:
        with engine.connect() as conn:
            present = database_indexes(conn, dialect)
    finally:
        engine.dispose()
    key = ("alerts", "uq_alerts_open_fingerprint")
    assert present[key] == (True, ("integration", "fingerprint"), "resolved_at is null")
    assert model_indexes(metadata, dialect)[key] == present[key]
    assert present[("jobs", "uq_jobs_pending_dedup_key")][2] == "state = 'pending'"


def test_a_dropped_predicate_is_reported(migrated: str) -> None:
    _execute(
        migrated,
        "DROP INDEX uq_alerts_open_fingerprint",
        "CREATE UNIQUE INDEX uq_alerts_open_fingerprint ON alerts (integration, fingerprint)",
    )
    assert pending_model_changes(migrated) == []  # Alembic alone does not see it
    differences = schema_differences(migrated)
    assert len(differences) == 1
    assert differences[0].startswith("index alerts.uq_alerts_open_fingerprint")
    assert "resolved_at is null" in differences[0]


def test_a_changed_server_default_is_reported(migrated: str) -> None:
    if migrated.startswith("sqlite"):
        _execute(
            migrated,
            "CREATE TABLE drift_probe (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 5)",
        )
        differences = schema_differences(migrated)
        assert any("drift_probe" in d for d in differences)  # an extra table is seen as well
        return
    _execute(migrated, "ALTER TABLE alerts ALTER COLUMN count SET DEFAULT 5")
    differences = schema_differences(migrated)
    assert any("modify_default" in d and "count" in d for d in differences), differences
