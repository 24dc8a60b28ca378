"""The Alembic migrations build the same schema as the models, on both databases."""

from __future__ import annotations

import os
import uuid
from typing import Any

from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, _pg_error, need
from warroom.migrate import pending_model_changes, upgrade


def test_sqlite_migrations_match_models(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    assert pending_model_changes(url) == []
    upgrade(url)  # idempotent


def test_postgresql_migrations_match_models() -> None:
    error = _pg_error()
    need(error is None, f"PostgreSQL not reachable ({error})")
    name = f"warroom_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        upgrade(url)
        assert pending_model_changes(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
