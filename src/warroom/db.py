"""Database engine and session factory, the declarative Base and shared column types."""

from __future__ import annotations

import hashlib
import logging
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from warroom.clock import utc
from warroom.settings import private_sqlite_files

T = TypeVar("T")
log = logging.getLogger("warroom.db")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back timezone-aware UTC datetimes (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)


class JSONDoc(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL, JSON text on SQLite."""

    impl = JSON()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONDoc(), list[Any]: JSONDoc()}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def normalize_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    # Error messages and logs show statements without their values (secrets, personal data).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        private_sqlite_files(url)  # created 0600, not with the umask
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """An engine plus its session factory; one per process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def write_first(session: Session) -> None:
    """On SQLite, take the database write lock before this transaction reads anything.

    pysqlite begins a transaction only at the first write, and a result left unread keeps a
    read snapshot open: if another connection commits meanwhile, the first write fails at
    once with "database is locked" (a stale snapshot cannot become a writer; the busy
    timeout does not apply). `BEGIN IMMEDIATE` waits for the lock (busy timeout) instead.
    For database-only transactions (engine batch jobs): never hold it across an outbound
    call. On PostgreSQL it does nothing (row locks, taken by each path, do the work).
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    raw: Any = conn.connection.dbapi_connection
    if not raw.in_transaction:  # a write of this transaction already holds the lock
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """`session.begin_nested()` that stays inside the transaction on SQLite too.

    pysqlite begins a transaction only before an INSERT, UPDATE or DELETE: a SAVEPOINT taken
    before the transaction's first write opens a transaction of its own, and its RELEASE
    commits it, so a rollback of the whole transaction later would keep what the savepoint
    wrote (a link marked used although the action it guarded was refused). Taking the write
    lock first (`write_first`) makes the savepoint a real nested one; PostgreSQL needs nothing.
    """
    write_first(session)
    with session.begin_nested():
        yield


def take_turns(session: Session, name: str) -> None:
    """Transactions that call this with the same `name` run one after another, from here to
    their end: on PostgreSQL a transaction-scoped advisory lock on the name's hash; on SQLite
    the write lock (`write_first`), which every writer takes anyway. For a check-then-insert
    that no row lock can guard (a count, a row that does not exist yet)."""
    if session.get_bind().dialect.name != "postgresql":
        write_first(session)
        return
    advisory_lock(session, name)


def advisory_lock(session: Session, name: str) -> None:
    """PostgreSQL: a transaction-scoped advisory lock on the name's hash (held until the
    transaction ends). Elsewhere nothing: SQLite callers order writers another way."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    session.execute(_ADVISORY_LOCK, {"key": key})


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


# -- transient errors: the one retry rule of every unit of work ---------------------------------

RETRY_ATTEMPTS = 4
# SQLSTATEs worth another try: serialization failure, deadlock, lock timeout, the server going
# away (admin shutdown, crash recovery, too many connections) and every connection exception.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"}
_TRANSIENT_SQLITE = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    """True for database errors that another attempt of the same transaction can fix."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None) or ""
    if state in _TRANSIENT_SQLSTATES or state.startswith("08"):
        return True
    return any(text in str(exc.orig).lower() for text in _TRANSIENT_SQLITE)


def describe(exc: BaseException) -> str:
    """A database error in one line for logs: `error_text`'s class and fixed description,
    never its SQL statement, parameters or a driver message that quotes a value."""
    return error_text(exc)


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): short, growing, jittered."""
    base: float = 0.05 * 2 ** (attempt - 1)
    return base / 2 + random.uniform(0, base / 2)


def retrying(
    work: Callable[[], T],
    *,
    attempts: int = RETRY_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `work` (one whole transaction) again while it fails with a transient error.

    `work` must open, commit and close its own session, so that each attempt starts afresh.
    The last transient error is raised as is; callers answer it with 503 and Retry-After.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as exc:
            if not is_transient(exc) or attempt == attempts:
                raise
            log.info("transient database error, attempt %s: %s", attempt, describe(exc))
            sleep(backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


# -- what a database error may say where it is stored or shown -----------------------------------

# PostgreSQL's SQLSTATE (exact, then its class) and SQLite's extended error name -> a fixed text.
_SQLSTATE_TEXT = {
    "23505": "a unique constraint was violated",
    "23503": "a foreign key constraint was violated",
    "23502": "a NOT NULL constraint was violated",
    "23514": "a check constraint was violated",
    "23P01": "an exclusion constraint was violated",
    "40001": "a concurrent transaction conflicted (serialization failure)",
    "40P01": "a deadlock was detected",
    "55P03": "a lock was not available",
    "57014": "the statement was cancelled (timeout)",
}
_SQLSTATE_CLASS_TEXT = {
    "08": "the connection to the database failed",
    "22": "a value is out of range or malformed",
    "23": "an integrity constraint was violated",
    "42": "the statement is invalid (syntax, an unknown name or a missing privilege)",
    "53": "the database is out of resources",
    "57": "the database cancelled the statement or is shutting down",
}
_SQLITE_TEXT = {
    "SQLITE_CONSTRAINT_UNIQUE": _SQLSTATE_TEXT["23505"],
    "SQLITE_CONSTRAINT_PRIMARYKEY": _SQLSTATE_TEXT["23505"],
    "SQLITE_CONSTRAINT_FOREIGNKEY": _SQLSTATE_TEXT["23503"],
    "SQLITE_CONSTRAINT_NOTNULL": _SQLSTATE_TEXT["23502"],
    "SQLITE_CONSTRAINT_CHECK": _SQLSTATE_TEXT["23514"],
    "SQLITE_BUSY": "the database is locked",
    "SQLITE_LOCKED": "the database is locked",
}
# Schema names only ("uq_users_email", "users.email, users.name"); anything else is left out.
_NAMES = re.compile(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?(, [A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?)*")


def is_database_error(exc: BaseException) -> bool:
    """SQLAlchemy's statement errors and raw driver errors: their text may carry SQL and values."""
    if isinstance(exc, StatementError | sqlite3.Error):
        return True
    psycopg = sys.modules.get("psycopg")  # imported (lazily) by the engine that raised it
    return psycopg is not None and isinstance(exc, psycopg.Error)


def _names(candidate: str | None) -> str:
    if candidate and len(candidate) <= 200 and _NAMES.fullmatch(candidate):
        return f" ({candidate})"
    return ""


def _postgresql_text(orig: BaseException, state: str) -> str:
    exact = _SQLSTATE_TEXT.get(state)
    text = exact or _SQLSTATE_CLASS_TEXT.get(state[:2]) or "a database error"
    diag = getattr(orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is None and state == "23502":
        table, column = getattr(diag, "table_name", None), getattr(diag, "column_name", None)
        name = f"{table}.{column}" if table and column else None
    return f"{text}{_names(name)}" + ("" if exact else f" (SQLSTATE {state})")


def _sqlite_text(orig: BaseException) -> str:
    code = getattr(orig, "sqlite_errorname", None) or ""
    text = _SQLITE_TEXT.get(code)
    if text is None:
        return f"a database error ({code})" if code else "a database error"
    if code.startswith("SQLITE_CONSTRAINT"):  # "UNIQUE constraint failed: users.email"
        return text + _names(str(orig).partition(": ")[2].strip())
    return text


def error_text(exc: BaseException) -> str:
    """`Class: what went wrong` in one line, for a text that is stored or shown (a job's error).

    A database error is named by its class and a fixed description, with the constraint or
    column names at most: never the SQL statement, its parameters, PostgreSQL's DETAIL line
    ("Key (email)=(...) already exists") or a message that quotes a value. Any other exception
    keeps its own message.
    """
    if not is_database_error(exc):
        return f"{type(exc).__name__}: {exc}"
    orig = exc.orig if isinstance(exc, StatementError) else exc
    if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError):
        text = f"a value could not be sent to the database ({type(orig).__name__})"
    elif isinstance(orig, sqlite3.Error):
        text = _sqlite_text(orig)
    elif orig is not None and (state := getattr(orig, "sqlstate", None)):
        text = _postgresql_text(orig, state)
    else:
        text = "a database error"
    return f"{type(exc).__name__}: {text}"
