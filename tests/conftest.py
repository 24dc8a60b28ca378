"""Shared fixtures. Every test that takes `db` runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer.main
import typer.testing
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.dialects.postgresql import psycopg as sa_psycopg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import LRUCache
from typer.testing import CliRunner

import warroom.models  # noqa: F401  (registers every table)
from warroom import wiring
from warroom.app import assemble, bind
from warroom.auth import passwords
from warroom.auth import service as auth_service
from warroom.clock import Clock, FakeClock
from warroom.db import Base, Database
from warroom.settings import Settings

# What the app factory and the worker do first: handlers, config sections, subscriptions.
wiring.install()

# Passwords made and checked in this test process are argon2id at the lowest cost: the
# production cost (argon2-cffi's defaults) is ~0.3 s of CPU a hash or check on purpose, and
# several hundred tests sign someone in. Hashing, checking and "needs rehash" stay consistent
# with each other; a server started as a subprocess uses the production cost (a hash made
# here for it: tests/browser/conftest.py).
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
passwords._dummy_hash.cache_clear()  # made with the cheap hasher on first use

PG_ADMIN_URL = os.environ.get(
    "WARROOM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI") == "true"


# schemathesis' sweeps: a shard's SQLite and PostgreSQL runs, which must share a test process
# for the second to replay the cases the first generated (tests/integration/test_schemathesis.py).
_SWEEP = re.compile(r"test_schemathesis\.py::.*\[(?:sqlite|postgresql)-(\d+)\]$")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's `load` distribution, except that a schemathesis shard's two runs go to one
    process together, and first (the longest tests; larger work units are handed out first).
    (`--dist loadgroup` would do it with xdist_group marks, but xdist 3.8 marks a group by
    changing the item's nodeid, which pytest 9 no longer reads: every test was its own group.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SweepPairs(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            sweep = _SWEEP.search(nodeid)
            return f"schemathesis-{sweep.group(1)}" if sweep else nodeid

    return SweepPairs(config, log)


def need(condition: bool, reason: str) -> None:
    """Skip loudly when a real part is missing locally; fail under CI, where it must be there."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(f"SKIPPED, NOT TESTED: {reason}")


def _pg_error() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver error means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def no_commit_wait(admin: Any, name: str) -> None:
    """Commits in the test database `name` do not wait for the WAL to reach the disk (a flush
    takes milliseconds, and a test commits often). What another session sees and when is the
    same: only the last commits before a crash of the PostgreSQL server could be lost."""
    admin.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A private PostgreSQL database for this test process, with every table created."""
    error = _pg_error()
    need(error is None, f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({error})")
    name = f"warroom_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        no_commit_wait(conn, name)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_WITH_PAGES = text(
    "SELECT relname FROM pg_class WHERE relkind = 'r'"
    " AND relnamespace = current_schema()::regnamespace AND pg_relation_size(oid) > 0"
)


def _truncate_all(database: Database) -> None:
    """Empty the database for the next test as if its tables were new: rows come back in
    insertion order (a fresh heap) and every sequence used starts again at 1 (a rolled-back
    insert uses a number and leaves its table empty).

    Only the tables holding rows are touched, and they are emptied by DELETE and VACUUM, which
    gives each one back its pages (a table of empty pages is cut to none): TRUNCATE gives every
    table and index new files and syncs each index to disk, ~15 ms of server time a table; a
    test fills a few of ~55. A table VACUUM could not cut (a transaction still open on it) is
    truncated after all, so every test starts from the same empty heaps.

    A table holds rows only if its file has pages, and every table ends the clean-up with
    none: the tables to empty are those whose file has pages (one look at the catalog, where
    asking each of ~55 tables whether it has a row took ~10-30 ms a test). That also takes
    back the pages of rows a test inserted and rolled back."""
    restart = text(
        "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
        " FROM pg_sequences WHERE last_value IS NOT NULL"
    )
    with database.engine.connect() as conn:
        with_pages = set(conn.execute(_WITH_PAGES).scalars())
        filled = [t.name for t in Base.metadata.sorted_tables if t.name in with_pages]
        cut = "VACUUM (PROCESS_TOAST FALSE) {}"
        try:
            for name in reversed(filled):  # sorted_tables has parents first
                conn.execute(text(f'DELETE FROM "{name}"'))
            conn.commit()
        except DBAPIError:  # rows of two tables referencing each other
            conn.rollback()
            cut = "TRUNCATE {} CASCADE"
        conn.execution_options(isolation_level="AUTOCOMMIT")
        if filled:
            conn.execute(text(cut.format(", ".join(f'"{name}"' for name in filled))))
            uncut = conn.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relname = ANY(:names)"
                    " AND relkind = 'r' AND pg_relation_size(oid) > 0"
                ),
                {"names": filled},
            ).scalars()
            listed = ", ".join(f'"{name}"' for name in uncut)
            if listed:
                conn.execute(text(f"TRUNCATE {listed} CASCADE"))
        conn.execute(restart)


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema and no rows; tests start from a copy of it (creating the
    ~55 tables takes ~40 ms a test)."""
    template = tmp_path_factory.mktemp("schema") / "schema.db"
    database = Database(f"sqlite:///{template}")
    Base.metadata.create_all(database.engine)
    database.dispose()
    return template


# Per kind of database, the dialect and compiled-statement cache every test's engine shares.
_COMPILED: dict[str, tuple[Dialect, Any]] = {}


class _IdleBackends:
    """PostgreSQL connections a test's engine closed, kept open for the next tests' engines.

    A new connection is a new server process, which reads the catalog again for each table
    and index it touches, and the engine asks the server its version and settings: ~40-50 ms
    of a PostgreSQL test on the loaded machine, more than its clean-up. A connection is kept
    only when nothing is left on it (no transaction open, not broken), after `DISCARD ALL`
    has reset what a session can change (settings, prepared statements, LISTEN, advisory
    locks, temporary tables): the next engine gets it as a new connection, except for the
    server's warm caches. A connection the pool terminates (invalidated) is closed. At most
    KEEP are kept per database."""

    KEEP = 4

    def __init__(self) -> None:
        self._idle: dict[str, list[Any]] = {}
        self._lock = threading.Lock()

    def creator(self, url: str) -> Callable[[], Any]:
        kind: Any = make_url(url).get_dialect()
        dialect = kind(dbapi=kind.import_dbapi())
        cargs, cparams = dialect.create_connect_args(make_url(url))
        idle = self._idle.setdefault(url, [])

        def connect() -> Any:
            while True:
                with self._lock:  # a test's threads open and close connections too
                    conn = idle.pop() if idle else None
                if conn is None:
                    return dialect.connect(*cargs, **cparams)
                if not (conn.closed or conn.broken):
                    return conn

        return connect

    def closer(self, url: str) -> Callable[[Any], None]:
        idle = self._idle.setdefault(url, [])

        def close(conn: Any) -> None:
            if self._reset(conn):
                with self._lock:
                    if len(idle) < self.KEEP:
                        idle.append(conn)
                        return
            conn.close()

        return close

    @staticmethod
    def _reset(conn: Any) -> bool:
        if conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            return False
        # Sent on the connection itself, and psycopg told that its prepared statements are
        # gone: run through psycopg, a DISCARD ALL went unnoticed once psycopg had counted it
        # (3.3: a repeated statement is not checked), and it used a statement the server had
        # forgotten (SQLSTATE 26000).
        done = conn.pgconn.exec_(b"DISCARD ALL")
        if done.status != psycopg.pq.ExecStatus.COMMAND_OK:
            return False
        conn._prepared.clear()
        try:
            conn.autocommit = False
            conn.isolation_level = conn.read_only = conn.deferrable = None
        except psycopg.Error:
            return False
        # each engine's first use of a connection adds SQLAlchemy's handler of server notices
        with contextlib.suppress(ValueError):
            while True:
                conn.remove_notice_handler(sa_psycopg._log_notices)
        return True


_BACKENDS = _IdleBackends()


def _close(conn: Any) -> None:
    conn.close()


def open_database(url: str, **engine_kwargs: Any) -> Database:
    """A Database on url, as `Database(url, ...)`, whose engine shares this test process's
    compiled statements with the engines of earlier tests on the same kind of database (as a
    serving process's one engine does from request to request): SQLAlchemy compiles a
    statement once per engine, and compiling what a test runs cost it more CPU than running
    it. The pool and the engine's event listeners stay the test's own; on PostgreSQL the
    pool's connections come from earlier tests when they can (`_IdleBackends`)."""
    postgresql = url.startswith("postgresql")
    if postgresql:
        engine_kwargs["creator"] = _BACKENDS.creator(url)
    database = Database(url, **engine_kwargs)
    engine = database.engine
    if postgresql:  # the pool closes connections through the dialect the engine was made with
        engine.dialect.do_close = _BACKENDS.closer(url)
        engine.dialect.do_terminate = _close
    shared = _COMPILED.get(engine.dialect.name)
    if shared is None:
        with engine.connect():
            pass  # the first connection tells the dialect the server's version and defaults
        # A test process runs more kinds of statement than one request path: room for them.
        engine._compiled_cache = LRUCache(2000)
        _COMPILED[engine.dialect.name] = (engine.dialect, engine._compiled_cache)
    else:
        engine.dialect, engine._compiled_cache = shared
    return database


def _empty_sqlite(template: Path, tmp_path: Path) -> Database:
    shutil.copyfile(template, tmp_path / "warroom.db")
    return open_database(f"sqlite:///{tmp_path}/warroom.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database with the current schema, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        database = _empty_sqlite(request.getfixturevalue("sqlite_schema"), tmp_path)
        yield database
        database.dispose()
    else:
        database = open_database(request.getfixturevalue("pg_url"), pool_size=5, max_overflow=5)
        try:
            yield database
        finally:
            _truncate_all(database)
            database.dispose()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    """PostgreSQL only, for behaviour SQLite does not have (row locks, SKIP LOCKED)."""
    database = open_database(pg_url, pool_size=5, max_overflow=5)
    try:
        yield database
    finally:
        _truncate_all(database)
        database.dispose()


@pytest.fixture
def sqlite_db(sqlite_schema: Path, tmp_path: Path) -> Iterator[Database]:
    """SQLite only, for tests of logic that does not depend on the database."""
    database = _empty_sqlite(sqlite_schema, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db: Database, tmp_path: Any) -> Settings:
    return Settings(database_url=db.url, secret_key="test-secret", data_dir=tmp_path)


# Assembled apps, bound again test after test: FastAPI prepares every route (~0.3 s) on an
# app's first request, so each test process assembles as few apps as its tests use at once.
_assembled: list[FastAPI] = []
BindApp = Callable[[Settings, Database, Clock], FastAPI]


@pytest.fixture
def bind_app() -> BindApp:
    """bind_app(settings, db, clock) -> an app on them, distinct from every other app this
    test bound; its routes are assembled already (tests must not add routes or middleware to
    it: `create_app` builds one of their own for that)."""
    taken = 0

    def make(settings: Settings, db: Database, clock: Clock) -> FastAPI:
        nonlocal taken
        if taken == len(_assembled):
            _assembled.append(assemble())
        taken += 1
        return bind(_assembled[taken - 1], settings, db=db, clock=clock)

    return make


@pytest.fixture
def app(bind_app: BindApp, settings: Settings, db: Database, clock: FakeClock) -> FastAPI:
    return bind_app(settings, db, clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


MakeToken = Callable[..., str]


@pytest.fixture
def make_token(db: Database, clock: FakeClock) -> MakeToken:
    """make_token("responder") -> a plaintext token for a fresh user with that role."""

    def make(role: str = "admin", email: str | None = None, name: str = "Tester") -> str:
        with db.session() as session:
            user = auth_service.ensure_user(
                session,
                clock,
                email=email or f"{role}-{uuid.uuid4().hex[:6]}@example.com",
                name=name,
                role=role,
            )
            _, plaintext = auth_service.create_token(session, clock, user, name="test")
        return plaintext

    return make


@pytest.fixture
def admin_headers(make_token: MakeToken) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('admin', email='admin@example.com')}"}


@pytest.fixture
def responder_headers(make_token: MakeToken) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('responder', email='resp@example.com')}"}


@pytest.fixture
def viewer_headers(make_token: MakeToken) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('viewer', email='viewer@example.com')}"}


# Typer apps' Click commands, built once per test process.
_COMMANDS: dict[typer.Typer, typer.main._click.Command] = {}


def _command_of(typer_instance: typer.Typer) -> typer.main._click.Command:
    """The Click command typer builds for an app, built on its first invocation only: typer's
    runner builds it on every invocation (~45 ms for warroom's CLI), and a Click command is
    made to be invoked again and again (each invocation gets its own context)."""
    if typer_instance not in _COMMANDS:
        _COMMANDS[typer_instance] = typer.main.get_command(typer_instance)
    return _COMMANDS[typer_instance]


typer.testing._get_command = _command_of  # every CliRunner of this test process


@pytest.fixture
def cli(
    client: TestClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """cli("incident", "list", "--json") runs the real CLI against the in-process app."""
    from warroom.cli import client as cli_client
    from warroom.cli.main import app as cli_app

    def factory() -> cli_client.ApiClient:
        client.headers.update(admin_headers)
        return cli_client.ApiClient(client)

    monkeypatch.setattr(cli_client, "client_factory", factory)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Any:
        return runner.invoke(cli_app, list(args), input=input, catch_exceptions=False)

    return invoke
