"""`warroom serve` on a port another process holds (a second serve, left running): it migrated
the database, applied the config and started the engine, and only then did uvicorn find the
port taken (exit 3 after an ERROR log line). Now it says so first, exit 1, nothing done."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from warroom.cli.main import app


def test_a_port_in_use_is_named_before_anything_is_done(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = {"WARROOM_DATABASE_URL": f"sqlite:///{tmp_path}/w.db", "WARROOM_SECRET_KEY": "k"}
        result = CliRunner().invoke(app, ["serve", "--port", str(port)], env=env)
    assert result.exit_code == 1, result.output
    assert f"error: cannot listen on 127.0.0.1:{port}: " in result.output, result.output
    assert "is warroom already running there?" in result.output
    assert not (tmp_path / "w.db").exists()  # not migrated
