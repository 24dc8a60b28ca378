"""`warroom db check` reports and changes nothing: it migrated the database first (creating
one where there was none, upgrading one that was behind) and then said "models and
migrations agree"."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from tests.conftest import PG_ADMIN_URL, _pg_error, need
from warroom.cli.main import app
from warroom.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that exists and holds no table, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        (tmp_path / "empty.db").touch()
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    error = _pg_error()
    need(error is None, f"PostgreSQL not reachable ({error})")
    name = f"warroom_check_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _check(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["db", "check"], env={"WARROOM_DATABASE_URL": url})
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    return result.exit_code, result.output


def _tables(url: str) -> list[str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return sorted(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_an_unmigrated_database_is_reported_not_migrated(empty_url: str) -> None:
    code, output = _check(empty_url)
    assert code == 1, output
    assert "is not migrated: run `warroom db upgrade`" in output, output
    assert _tables(empty_url) == []  # nothing written

    upgrade(empty_url)
    tables = _tables(empty_url)
    assert _check(empty_url) == (0, "models and migrations agree\n")
    assert _tables(empty_url) == tables


def test_a_database_file_that_is_not_there_is_not_made(tmp_path: Path) -> None:
    code, output = _check(f"sqlite:///{tmp_path}/none/warroom.db")
    assert code == 1, output
    assert f"no database at {tmp_path}/none/warroom.db: run `warroom db upgrade`" in output
    assert not (tmp_path / "none").exists()


def test_a_revision_this_warroom_does_not_know_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_later'"))
    engine.dispose()
    code, output = _check(url)
    assert code == 1, output
    assert "is at revision 0099_later, which this warroom does not know" in output, output
