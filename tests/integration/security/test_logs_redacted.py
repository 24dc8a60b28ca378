"""Capability tokens never reach the access log; database errors carry no parameters."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from tests.factories import make_user
from warroom.auth.logredact import CapabilityRedactor, redact, uvicorn_log_config
from warroom.auth.models import ApiToken
from warroom.clock import FakeClock
from warroom.db import Database

LINK = "eyJwIjoiYWNrIiwiaSI6MX0.LINKCANARYc2lnbmF0dXJl"
KEY = "HEARTBEATCANARY0123456789"
FEED = "FEEDCANARYabcdef0123"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /p/{LINK} HTTP/1.1", "GET /p/*** HTTP/1.1"),
        (f"/p/{LINK}?x=1", "/p/***?x=1"),
        (f"/api/v1/heartbeats/nightly?key={KEY}&n=1", "/api/v1/heartbeats/nightly?key=***&n=1"),
        (f"/api/v1/heartbeats/nightly?KEY={KEY}", "/api/v1/heartbeats/nightly?KEY=***"),
        (f"/ical/users/{FEED}.ics", "/ical/users/***.ics"),
        (f"/ical/schedules/{FEED}.ics", "/ical/schedules/***.ics"),
        # A status subscriber's confirm and unsubscribe links act for whoever holds them.
        (
            f"GET /status/subscribers/unsubscribe/{LINK} HTTP/1.1",
            "GET /status/subscribers/unsubscribe/*** HTTP/1.1",
        ),
        (f"/status/subscribers/confirm/{LINK}?x=1", "/status/subscribers/confirm/***?x=1"),
        ("/status/subscribers", "/status/subscribers"),
        ("/api/v1/incidents?keyword=db&monkey=1", "/api/v1/incidents?keyword=db&monkey=1"),
        ("/api/v1/incidents/7/timeline", "/api/v1/incidents/7/timeline"),
    ],
)
def test_redact_masks_only_credentials(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_filter_rewrites_uvicorn_access_records() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5555", "POST", f"/p/{LINK}", "1.1", 200), None,
    )  # fmt: skip
    assert CapabilityRedactor().filter(record) is True
    assert LINK not in record.getMessage()
    assert '"POST /p/*** HTTP/1.1" 200' in record.getMessage()
    config = uvicorn_log_config()
    assert all("redact_capabilities" in h["filters"] for h in config["handlers"].values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        WARROOM_DATABASE_URL=f"sqlite:///{tmp_path}/warroom.db",
        WARROOM_DATA_DIR=str(tmp_path / "var"),
        WARROOM_SECRET_KEY="",
    )
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115  (closed by the child's exit)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "warroom"), "serve", "--no-engine", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/healthz").status_code == 200:
                return True
        time.sleep(0.2)  # waiting for a real server process to come up
    return False


def test_serve_access_log_masks_capability_tokens(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(tmp_path, port)
    try:
        assert _wait_healthy(base, proc), (tmp_path / "serve.log").read_text()
        assert httpx.get(f"{base}/p/{LINK}").status_code == 410
        assert httpx.post(f"{base}/p/{LINK}").status_code == 410
        assert httpx.post(f"{base}/api/v1/heartbeats/nightly?key={KEY}").status_code >= 400
        assert httpx.get(f"{base}/ical/users/{FEED}.ics").status_code == 404
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    output = (tmp_path / "serve.log").read_text()
    assert '"GET /p/*** HTTP/1.1" 410' in output, output
    assert '"POST /p/*** HTTP/1.1" 410' in output
    assert "/api/v1/heartbeats/nightly?key=*** HTTP/1.1" in output
    assert "/ical/users/***.ics" in output
    for secret in (LINK, "LINKCANARY", KEY, FEED):
        assert secret not in output


def test_database_errors_hide_parameters(db: Database, clock: FakeClock) -> None:
    canary = "CANARYTOKENHASH" + "0" * 49
    with pytest.raises(IntegrityError) as caught, db.session() as session:
        make_user(session, clock, "someone@example.com")
        session.add(
            ApiToken(user_id=999_999, name="x", prefix="wr_", role="viewer",
                     token_hash=canary, created_at=clock.now())
        )  # fmt: skip
        session.flush()
    text = str(caught.value)
    assert "hide_parameters=True" in text
    assert "CANARY" not in text
