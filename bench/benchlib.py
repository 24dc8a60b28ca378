"""What the benchmarks in bench/ share (see ../shared/bench-format.md).

The scripts run as `python bench/NAME.py`, so this module is imported as `benchlib`. It uses the
standard library only at import time; warroom and SQLAlchemy are imported where needed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PG_ADMIN_URL = os.environ.get(
    "WARROOM_BENCH_PG_URL",
    os.environ.get("WARROOM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)
WARROOM = str(Path(sys.executable).with_name("warroom"))


def log(tag: str, message: str) -> None:
    """Progress on standard error, as `[tag] message`."""
    sys.stderr.write(f"[{tag}] {message}\n")
    sys.stderr.flush()


def emit(bench: str, metric: str, value: float, unit: str, **context: Any) -> None:
    """One figure as a JSON line on standard output."""
    line = {"bench": bench, "metric": metric, "value": round(value, 3), "unit": unit}
    line.update(context)
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-th percentile (0-100); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def fresh_database(kind: str, prefix: str, migrate: bool = True) -> Iterator[str]:
    """A new database URL (SQLite in a temporary directory, or a new PostgreSQL database
    created from PG_ADMIN_URL), migrated with the real migrations unless `migrate` is false;
    deleted (dropped) afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            if migrate:
                _upgrade(url)
            yield url
        return
    from sqlalchemy import create_engine, text

    name = f"warroom_bench_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        if migrate:
            _upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _upgrade(url: str) -> None:
    from warroom.migrate import upgrade

    upgrade(url)


def wait_http(
    port: int,
    path: str,
    timeout: float = 60,
    proc: subprocess.Popen[Any] | None = None,
    log_path: Path | None = None,
) -> None:
    """Wait until GET 127.0.0.1:`port``path` answers below 500; fail early if `proc` exits."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", path)
                if conn.getresponse().status < 500:
                    return
            finally:
                conn.close()
        if proc is not None and proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise RuntimeError(f"the server exited with {proc.returncode} before answering\n{tail}")
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path}")


@contextlib.contextmanager
def server_process(
    command: list[str],
    port: int,
    *,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    ready_path: str = "/healthz",
    timeout: float = 180,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server on 127.0.0.1:`port` until the context ends (SIGTERM, then SIGKILL after
    20 s). Its output goes to `log_path` (or is inherited); waits for `ready_path` first (a
    start-up on a machine loaded by other work took more than a minute)."""
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log_path.open("wb")) if log_path else None
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT if out else None
        )
        try:
            wait_http(port, ready_path, timeout, proc, log_path)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def warroom_serve(
    url: str, config: Path, port: int, log_path: Path, *args: str, **env: str
) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    """`warroom serve --config CONFIG --port PORT ARGS...` on `url`, logging at warning level
    (extra environment variables in `env`), its output in `log_path`; ready once /healthz is."""
    command = [WARROOM, "serve", "--config", str(config), "--port", str(port), *args]
    environment = {
        **os.environ,
        "WARROOM_DATABASE_URL": url,
        "WARROOM_LOG_LEVEL": "warning",
        **env,
    }
    return server_process(command, port, env=environment, log_path=log_path)


def wait_for_log(path: Path, text: str, timeout: float) -> bool:
    """Wait until `text` appears in the file at `path` (a process saying it is ready)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a live process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command's ')': state is field 3, utime 14 and stime 15 (man 5 proc)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving connections to `url`'s database now."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            pids = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            return [int(pid) for pid in pids]
    finally:
        engine.dispose()


class CpuMeter:
    """CPU seconds each named group of processes used between `start` and `stop`: processes
    given by pid, PostgreSQL's backends of a database (the ones serving it at either moment;
    a backend that ended meanwhile is not counted) and this process."""

    def __init__(self, groups: dict[str, list[int]], database: str | None = None) -> None:
        self.groups = {**groups, "bench": [os.getpid()]}
        self.database = database
        self.before: dict[int, float] = {}
        self.used: dict[str, float] = {}

    def _pids(self) -> dict[str, list[int]]:
        groups = dict(self.groups)
        if self.database is not None and self.database.startswith("postgresql"):
            groups["postgresql"] = database_backends(self.database)
        return groups

    def start(self) -> None:
        self.before = {pid: cpu_seconds(pid) for pids in self._pids().values() for pid in pids}

    def stop(self) -> dict[str, float]:
        self.used = {
            name: sum(cpu_seconds(pid) - self.before.get(pid, 0.0) for pid in pids)
            for name, pids in self._pids().items()
        }
        return self.used
