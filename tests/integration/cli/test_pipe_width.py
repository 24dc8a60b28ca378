"""Output to a pipe or a file is not cut to 80 columns (a table's cells were truncated with '…'
or wrapped, hiding what `grep` or `less` was meant to find); a terminal still fits its width."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.paging.world import ORG
from warroom.db import Database

ROOT = Path(__file__).resolve().parents[3]
TITLE = "replica lag on db-eu-west-3 after the 14:05 deploy of the connection pooler " * 2
SIMULATE = ["--severity", "P0", "--service", "api", "--start", "2026-01-01T12:00"]


def test_a_table_piped_is_not_cut(
    db: Database, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    assert cli("config", "apply", str(ROOT / "examples" / "oracle"), "--force").exit_code == 0
    assert cli("incident", "open", "--title", TITLE.strip(), "--severity", "SEV3").exit_code == 0
    listed = cli("incident", "list").output
    assert TITLE.strip() in listed, listed
    timeline = cli("timeline", "1").output
    assert "admin@example.com" in timeline, timeline


def _run(args: list[str], *, terminal: bool) -> str:
    """The real `warroom` in a subprocess: stdout a pipe, or a terminal 80 columns wide."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    cmd = [sys.executable, "-m", "warroom.cli.main", *args]
    if not terminal:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 80, 0, 0))
    proc = subprocess.Popen(cmd, env=env, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode()


def test_simulate_fits_a_terminal_and_is_whole_in_a_pipe(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_text(ORG)
    args = ["simulate", str(tmp_path), *SIMULATE]
    piped = _run(args, terminal=False)
    header = next(line for line in piped.splitlines() if "+min" in line)
    assert header.split() == ["+min", "time", "who", "contact", "step", "why"], piped
    on_screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", _run(args, terminal=True))
    lines = on_screen.splitlines()
    assert lines and all(len(line.rstrip()) <= 80 for line in lines), on_screen
    assert "why: " in on_screen  # the narrow layout: each why under its page
