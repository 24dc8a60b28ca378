"""Local commands (those that open WARROOM_DATABASE_URL themselves) on a database URL that is
wrong, a database that cannot be reached or one that was never migrated: one clear line and
exit 1, never a traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from warroom.cli.main import app as cli_app

runner = CliRunner()

LOCAL_COMMANDS = [
    ["db", "upgrade"],
    ["db", "check"],
    ["token", "create", "--user", "ops@example.com", "--role", "admin"],
    ["token", "revoke", "1"],
    ["bootstrap"],
    ["audit", "verify"],
]


def _invoke(monkeypatch: pytest.MonkeyPatch, url: str, args: list[str]) -> tuple[int, str]:
    monkeypatch.setenv("WARROOM_DATABASE_URL", url)
    result = runner.invoke(cli_app, args)
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    return result.exit_code, result.output


@pytest.mark.parametrize("args", LOCAL_COMMANDS, ids=" ".join)
def test_a_url_that_is_no_database_url_is_named(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _invoke(monkeypatch, "bogus", args)
    assert code == 1
    assert "error: WARROOM_DATABASE_URL 'bogus' is not a database URL" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("args", LOCAL_COMMANDS, ids=" ".join)
def test_a_database_that_cannot_be_reached_is_one_line(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://warroom:s3cret@127.0.0.1:1/warroom"
    code, output = _invoke(monkeypatch, url, args)
    assert code == 1
    shown = "postgresql+psycopg://***@127.0.0.1:1/warroom"
    assert f"error: cannot use the database at {shown}" in output
    assert "s3cret" not in output and "Traceback" not in output


@pytest.mark.parametrize(
    "args",
    [a for a in LOCAL_COMMANDS if a[0] != "db"],  # `db` commands migrate it first
    ids=" ".join,
)
def test_a_database_never_migrated_says_to_migrate_and_is_left_empty(
    args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    code, output = _invoke(monkeypatch, url, args)
    assert code == 1
    assert "is not migrated: run `warroom db upgrade`" in output
    assert "Traceback" not in output
    engine = create_engine(url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_db_upgrade_to_an_unknown_revision_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, output = _invoke(monkeypatch, f"sqlite:///{tmp_path}/w.db", ["db", "upgrade", "nope"])
    assert code == 1
    assert "error: " in output and "'nope'" in output and "Traceback" not in output


@pytest.mark.parametrize("url", ["bogus", "sqlite:///{tmp}/empty.db"])
def test_a_worker_on_a_database_it_cannot_use_stops_at_once(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # It retried "no such table: jobs" every poll, forever, with a traceback each time.
    code, output = _invoke(monkeypatch, url.format(tmp=tmp_path), ["worker", "--poll", "0.1"])
    assert code == 1
    assert output.startswith("error: ") and "Traceback" not in output
    assert "not migrated" in output or "is not a database URL" in output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "0"], "--port"),
        (["--ssl-certfile", "{tmp}/missing.pem", "--ssl-keyfile", "{tmp}/k.pem"], "--ssl-certfile"),
        (["--ssl-certfile", "{tmp}", "--ssl-keyfile", "{tmp}/k.pem"], "--ssl-certfile"),
    ],
)
def test_serve_refuses_a_port_or_tls_file_it_cannot_use(
    args: list[str], named: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # --port 99999 served ("Uvicorn running on http://127.0.0.1:99999"); a missing
    # certificate ended in a FileNotFoundError traceback after the database was migrated.
    import uvicorn

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: served.append(k))
    (tmp_path / "k.pem").write_text("key")
    url = f"sqlite:///{tmp_path}/w.db"
    code, output = _invoke(monkeypatch, url, ["serve", *[a.format(tmp=tmp_path) for a in args]])
    assert code == 2 and named in output
    assert served == [] and not (tmp_path / "w.db").exists()


@pytest.mark.parametrize(
    "args", [["--poll", "0"], ["--poll", "-1"], ["--lease", "-5"], ["--lease", "0"]]
)
def test_a_worker_refuses_a_poll_or_lease_it_cannot_work_with(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # --poll 0 spun without pause; a lease of 0 or less lets any other worker take a job that
    # is being run at once, so a page could go out twice.
    code, output = _invoke(monkeypatch, "bogus", ["worker", *args])
    assert code == 2 and args[0] in output
