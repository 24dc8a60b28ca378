"""`warroom.db.error_text`: what a failed job records, without SQL, parameters or row values."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    StatementError,
)

from warroom.db import error_text, is_database_error

VALUE = "secret-value-42"


class FakePgError(Exception):
    """Stands in for a psycopg error: a SQLSTATE, a `diag` and a message with a DETAIL line."""

    def __init__(self, sqlstate: str, **diag: str | None) -> None:
        super().__init__(f'bad value "{VALUE}"\nDETAIL:  Key (email)=({VALUE}) already exists.')
        self.sqlstate = sqlstate
        self.diag = SimpleNamespace(
            constraint_name=diag.get("constraint_name"),
            table_name=diag.get("table_name"),
            column_name=diag.get("column_name"),
        )


STATEMENT = f"INSERT INTO users (email) VALUES ('{VALUE}')"


def _wrapped(cls: type[DBAPIError], orig: BaseException) -> DBAPIError:
    """What SQLAlchemy raises: the statement and its parameters are part of its text."""
    return cls(STATEMENT, {"email": VALUE}, orig)


def _sqlite_error(*statements: str) -> sqlite3.Error:
    conn = sqlite3.connect(":memory:")
    try:
        for statement in statements:
            conn.execute(statement)
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("no error")


SCHEMA = "CREATE TABLE users (email TEXT UNIQUE, name TEXT NOT NULL, n INT CHECK (n > 0))"
INSERT_ONE = f"INSERT INTO users VALUES ('{VALUE}', 'a', 1)"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            _wrapped(IntegrityError, FakePgError("23505", constraint_name="uq_users_email")),
            "IntegrityError: a unique constraint was violated (uq_users_email)",
        ),
        (
            _wrapped(IntegrityError, FakePgError("23502", table_name="users", column_name="name")),
            "IntegrityError: a NOT NULL constraint was violated (users.name)",
        ),
        (
            _wrapped(IntegrityError, FakePgError("23503", constraint_name=f"x'{VALUE}'")),
            "IntegrityError: a foreign key constraint was violated",  # not a plain name: left out
        ),
        (
            _wrapped(DataError, FakePgError("22P02")),
            "DataError: a value is out of range or malformed (SQLSTATE 22P02)",
        ),
        (
            _wrapped(OperationalError, FakePgError("XX000")),
            "OperationalError: a database error (SQLSTATE XX000)",
        ),
        (
            _wrapped(IntegrityError, _sqlite_error(SCHEMA, INSERT_ONE, INSERT_ONE)),
            "IntegrityError: a unique constraint was violated (users.email)",
        ),
        (
            _sqlite_error(SCHEMA, f"INSERT INTO users VALUES ('{VALUE}', 'a', -1)"),
            "IntegrityError: a check constraint was violated",  # SQLite names the expression
        ),
        (
            _sqlite_error(f"SELECT '{VALUE}' + no_such_column"),
            "OperationalError: a database error (SQLITE_ERROR)",
        ),
        (
            # a value the statement could not take (a column type's bind step refused it)
            StatementError(f"cannot store {VALUE}", STATEMENT, {"email": VALUE}, ValueError()),
            "StatementError: a value could not be sent to the database (ValueError)",
        ),
    ],
)
def test_a_database_error_is_named_without_its_statement_or_values(
    exc: BaseException, expected: str
) -> None:
    assert is_database_error(exc)
    assert error_text(exc) == expected


def test_a_real_sqlalchemy_error_is_named_without_its_statement() -> None:
    engine = create_engine("sqlite://", hide_parameters=False)
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE users (email TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO users VALUES (:v)"), {"v": VALUE})
        with pytest.raises(IntegrityError) as raised:
            conn.execute(text("INSERT INTO users VALUES (:v)"), {"v": VALUE})
    assert VALUE in str(raised.value) and "INSERT" in str(raised.value)
    assert (
        error_text(raised.value) == "IntegrityError: a unique constraint was violated (users.email)"
    )


def test_other_exceptions_keep_their_message() -> None:
    assert not is_database_error(RuntimeError("api is down"))
    assert error_text(RuntimeError("api is down")) == "RuntimeError: api is down"
    assert error_text(LookupError("no handler for job kind 'x'")) == (
        "LookupError: no handler for job kind 'x'"
    )


def test_the_log_line_of_a_database_error_quotes_no_value() -> None:
    """`describe` (intake's and the API's log lines for database errors) gives the same safe
    text: PostgreSQL's first line can quote the value itself ('invalid input syntax ...')."""
    from warroom.db import describe

    line = describe(_wrapped(DataError, FakePgError("22P02")))
    assert line.startswith("DataError: ")
    assert VALUE not in line and "INSERT" not in line and "DETAIL" not in line
