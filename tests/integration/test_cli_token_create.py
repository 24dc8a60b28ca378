"""`warroom token create` (local recovery): it prints a token only when the token will work, and
writes nothing on an address that is no e-mail address."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from warroom.auth.models import ApiToken, User
from warroom.cli.main import app as cli_app
from warroom.db import Database
from warroom.migrate import upgrade

runner = CliRunner()


@pytest.fixture
def local_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = f"sqlite:///{tmp_path}/local.db"
    upgrade(url)
    monkeypatch.setenv("WARROOM_DATABASE_URL", url)
    return Database(url)


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
        tokens = session.scalar(select(func.count()).select_from(ApiToken)) or 0
    return users, tokens


@pytest.mark.parametrize("address", ["notanemail", "", "  ", "two words@example.com", "a@b@c"])
def test_an_address_that_is_no_email_address_writes_nothing(
    local_db: Database, address: str
) -> None:
    result = runner.invoke(cli_app, ["token", "create", "--user", address, "--role", "admin"])
    assert result.exit_code == 1
    assert "is not an e-mail address" in result.output and "wr_" not in result.output
    assert _counts(local_db) == (0, 0)


def test_the_address_is_trimmed_like_everywhere_else(local_db: Database) -> None:
    result = runner.invoke(cli_app, ["token", "create", "--user", " Ops@Example.com "])
    assert result.exit_code == 0, result.output
    with local_db.session() as session:
        assert session.scalars(select(User.email)).all() == ["ops@example.com"]


def test_a_deactivated_person_gets_no_token_that_would_not_work(local_db: Database) -> None:
    assert runner.invoke(cli_app, ["token", "create", "--user", "gone@example.com"]).exit_code == 0
    with local_db.session() as session:
        user = session.scalar(select(User).where(User.email == "gone@example.com"))
        assert user is not None
        user.active = False
    result = runner.invoke(
        cli_app, ["token", "create", "--user", "gone@example.com", "--role", "admin"]
    )
    assert result.exit_code == 1
    assert "gone@example.com is deactivated" in result.output and "wr_" not in result.output
    assert _counts(local_db) == (1, 1)
    with local_db.session() as session:
        assert session.scalar(select(User.role).where(User.email == "gone@example.com")) == (
            "responder"
        )


def test_revoking_a_revoked_token_keeps_when_it_was_revoked(local_db: Database) -> None:
    assert runner.invoke(cli_app, ["token", "create", "--user", "ops@example.com"]).exit_code == 0
    assert runner.invoke(cli_app, ["token", "revoke", "1"]).exit_code == 0
    with local_db.session() as session:
        first = session.scalar(select(ApiToken.revoked_at))
        assert first is not None
    again = runner.invoke(cli_app, ["token", "revoke", "1"])
    assert again.exit_code == 0
    assert "token 1 was already revoked" in again.output
    with local_db.session() as session:
        assert session.scalar(select(ApiToken.revoked_at)) == first


@pytest.mark.parametrize("address", ["not an email", "admin", ""])
def test_bootstrap_with_an_address_that_is_no_email_address(
    local_db: Database, address: str
) -> None:
    # It made the admin and the token, then the web UI invite raised Invalid: a traceback.
    result = runner.invoke(cli_app, ["bootstrap", "--email", address])
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    assert "is not an e-mail address" in result.output and "wr_" not in result.output
    assert _counts(local_db) == (0, 0)


@pytest.mark.parametrize("token_id", ["99999999999999999999", "2147483648", "0", "-1"])
def test_revoke_an_id_no_token_can_have(local_db: Database, token_id: str) -> None:
    # 99999999999999999999 ended in 'OverflowError: Python int too large to convert to SQLite
    # INTEGER' (on PostgreSQL, past 2**31 - 1, a database error).
    result = runner.invoke(cli_app, ["token", "revoke", token_id])
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (1, 2) and "TOKEN_ID" in result.output.upper()
