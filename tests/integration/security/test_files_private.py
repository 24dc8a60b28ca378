"""Files warroom creates that hold secrets or data are 0600; the secret key is made atomically."""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from warroom.db import Database
from warroom.settings import Settings, ensure_secret_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The usual umask (0644 files), so only warroom's own care makes files private."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _read_key_after(barrier: Any, data_dir: str, results: Any) -> None:
    barrier.wait()
    try:
        results.put(ensure_secret_key(Settings(secret_key="", data_dir=Path(data_dir))))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(f"error: {exc!r}")


def _start_together(data_dir: Path, processes: int) -> list[str]:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_read_key_after, args=(barrier, str(data_dir), results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    keys = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return keys


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    for trial in range(5):
        data_dir = tmp_path / f"trial{trial}"
        keys = _start_together(data_dir, 20)
        assert len(set(keys)) == 1, keys
        [key] = set(keys)
        assert not key.startswith("error") and len(key) >= 32
        path = data_dir / "secret_key"
        assert path.read_text().strip() == key
        assert _mode(path) == 0o600
        leftovers = [p.name for p in data_dir.iterdir() if p.name.startswith(".secret_key.")]
        assert leftovers == [".secret_key.lock"]


def test_key_is_kept_and_an_empty_key_is_replaced(tmp_path: Path) -> None:
    settings = Settings(secret_key="", data_dir=tmp_path)
    (tmp_path / "secret_key").write_text("")  # what an older, non-atomic start could leave
    key = ensure_secret_key(settings)
    assert len(key) >= 32
    assert ensure_secret_key(settings) == key
    assert _mode(tmp_path / "secret_key") == 0o600


def test_an_existing_readable_key_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("an-existing-key-of-decent-length-0123456789\n")
    path.chmod(0o644)
    assert ensure_secret_key(Settings(secret_key="", data_dir=tmp_path)).startswith("an-existing")
    assert _mode(path) == 0o600


def test_configured_key_writes_no_file(tmp_path: Path) -> None:
    assert ensure_secret_key(Settings(secret_key="given", data_dir=tmp_path)) == "given"
    assert list(tmp_path.iterdir()) == []


def test_sqlite_database_and_its_wal_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "warroom.db"
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('secret contact url')"))
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM t")).scalar() == "secret contact url"
            files = sorted(p.name for p in tmp_path.iterdir())
            assert files == ["warroom.db", "warroom.db-shm", "warroom.db-wal"]
            assert {p.name: _mode(p) for p in tmp_path.iterdir()} == dict.fromkeys(files, 0o600)
    finally:
        database.dispose()


def test_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "warroom.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_db_upgrade_creates_a_private_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.cli.main import app as cli_app

    path = tmp_path / "data" / "warroom.db"
    monkeypatch.setenv("WARROOM_DATABASE_URL", f"sqlite:///{path}")
    result = CliRunner().invoke(cli_app, ["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0
    assert _mode(path) == 0o600


def test_cli_evidence_exports_are_0600(cli: Any, db: Database, tmp_path: Path) -> None:
    from tests.factories import seed_catalog

    with db.session() as session:
        seed_catalog(session)
    opened = cli("incident", "open", "--title", "Keys leaked", "--severity", "SEV2")
    assert opened.exit_code == 0, opened.output
    added = cli("evidence", "add", "1", "--text", "password=hunter2", "--name", "creds")
    assert added.exit_code == 0, added.output
    zip_path, item_path = tmp_path / "out.zip", tmp_path / "item.txt"
    assert cli("evidence", "export", "1", "--out", str(zip_path)).exit_code == 0
    listed = cli("evidence", "list", "1", "--json")
    item_id = __import__("json").loads(listed.output)[0]["id"]
    got = cli("evidence", "get", "1", str(item_id), "--out", str(item_path))
    assert got.exit_code == 0, got.output
    assert item_path.read_bytes() == b"password=hunter2"
    assert zip_path.stat().st_size > 0
    assert _mode(zip_path) == 0o600
    assert _mode(item_path) == 0o600
