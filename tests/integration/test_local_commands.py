"""Local operator commands: token recovery, bootstrap, login, and the SQLite settings."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from warroom.auth import service as auth_service
from warroom.auth.models import ApiToken, User
from warroom.cli import client as cli_client
from warroom.cli.main import app as cli_app
from warroom.clock import SystemClock
from warroom.db import Database
from warroom.migrate import upgrade

runner = CliRunner()


@pytest.fixture
def local_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = f"sqlite:///{tmp_path}/local.db"
    upgrade(url)
    monkeypatch.setenv("WARROOM_DATABASE_URL", url)
    return Database(url)


def test_token_create_makes_user_and_prints_a_working_token(local_db: Database) -> None:
    result = runner.invoke(
        cli_app, ["token", "create", "--user", "Ops@Example.com", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip()
    assert plaintext.startswith("wr_")
    with local_db.session() as session:
        user = session.scalar(select(User))
        assert user is not None and (user.email, user.role) == ("ops@example.com", "admin")
        assert session.scalar(select(ApiToken.token_hash)) == auth_service.hash_token(plaintext)
        principal = auth_service.authenticate(session, SystemClock(), plaintext)
        assert principal is not None and principal.role == "admin"


def test_bootstrap_prints_a_token_once(local_db: Database) -> None:
    first = runner.invoke(cli_app, ["bootstrap", "--url", "http://127.0.0.1:9999"])
    assert first.exit_code == 0 and "export WARROOM_TOKEN=wr_" in first.output
    assert "warroom incident open" in first.output
    second = runner.invoke(cli_app, ["bootstrap"])
    assert second.exit_code == 0 and "WARROOM_TOKEN=wr_" not in second.output
    assert "already exists" in second.output
    with local_db.session() as session:
        assert session.scalar(text("SELECT count(*) FROM api_tokens")) == 1


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(local_db: Database) -> None:
    with local_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_login_checks_the_token_and_saves_it_privately(
    client: TestClient, make_token: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    token = make_token("responder", email="me@example.com")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("WARROOM_URL", raising=False)
    monkeypatch.delenv("WARROOM_TOKEN", raising=False)
    real_client = httpx.Client

    def in_process(**kwargs: Any) -> Any:  # route the CLI's HTTP client to the test app
        client.headers.clear()
        client.headers.update(kwargs.get("headers") or {})
        return client

    monkeypatch.setattr(httpx, "Client", in_process)
    bad = runner.invoke(cli_app, ["login", "--url", "http://testserver", "--token", "wr_bad"])
    assert bad.exit_code == 1 and not cli_client.config_path().exists()
    good = runner.invoke(cli_app, ["login", "--url", "http://testserver", "--token", token])
    assert good.exit_code == 0, good.output
    assert "me@example.com (responder)" in good.output
    path = cli_client.config_path()
    assert json.loads(path.read_text()) == {"url": "http://testserver", "token": token}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    monkeypatch.setattr(httpx, "Client", real_client)
    assert cli_client.load_cli_config() == {"url": "http://testserver", "token": token}


def test_login_where_the_config_cannot_be_written_is_one_line(
    client: TestClient, make_token: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    token = make_token("responder", email="me@example.com")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocked))

    def in_process(**kwargs: Any) -> Any:
        client.headers.clear()
        client.headers.update(kwargs.get("headers") or {})
        return client

    monkeypatch.setattr(httpx, "Client", in_process)
    result = runner.invoke(cli_app, ["login", "--url", "http://testserver", "--token", token])
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # NotADirectoryError
    assert result.exit_code == 1
    assert f"error: cannot save the login to {blocked}/warroom/cli.json" in result.output
    assert token not in result.output
