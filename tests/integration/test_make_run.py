"""The newcomer's path: `make run` serves, prints a token and a command that opens an incident."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_make_run_serves_and_quick_start_works(tmp_path: Any) -> None:
    port = free_port()
    env = dict(
        os.environ,
        WARROOM_DATABASE_URL=f"sqlite:///{tmp_path}/warroom.db",
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
    )
    env.pop("WARROOM_TOKEN", None)
    log = open(tmp_path / "run.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(
        ["make", "-s", "run", f"PORT={port}", f"VENV={Path(sys.prefix)}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180  # a loaded machine: migrate, apply, bootstrap, serve
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(httpx.TransportError):
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            if healthy:
                break
            time.sleep(0.2)  # waiting for a real server process to come up
        log.seek(0)
        output = log.read()
        assert healthy, f"make run did not serve /healthz:\n{output}"
        token = re.search(r"WARROOM_TOKEN=(wr_\S+)", output)
        assert token, output
        # README, step 1: the two export lines, the admin's address, `warroom login`, and a
        # one-time link with which the admin chooses a password and is signed in.
        assert f"export WARROOM_URL=http://127.0.0.1:{port}" in output
        assert "admin@oracle.example" in output and f"login --url http://127.0.0.1:{port}" in output
        _invite_signs_the_admin_in(output, port)
        assert "warroom incident open" in output
        # Where pages go, and how to read one no SMTP server took (issue 10).
        assert "pages by e-mail go through" in output and "warroom outbox list" in output
        quick = subprocess.run(
            [
                str(Path(sys.prefix) / "bin" / "warroom"),
                "incident",
                "open",
                "--title",
                "Test incident",
                "--severity",
                "SEV3",
            ],
            env=dict(env, WARROOM_URL=f"http://127.0.0.1:{port}", WARROOM_TOKEN=token.group(1)),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert quick.returncode == 0, quick.stderr
        assert "INC-1" in quick.stdout
        # Links warroom hands out (pages' Acknowledge, invites, calendar feeds) point at the
        # port `make run` serves, not the default one.
        headers = {"Authorization": f"Bearer {token.group(1)}"}
        feed = httpx.get(f"http://127.0.0.1:{port}/api/v1/me/feed", headers=headers).json()["url"]
        assert feed.startswith(f"http://127.0.0.1:{port}/ical/"), feed
        assert httpx.get(feed).status_code == 200
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        log.close()


def _invite_signs_the_admin_in(output: str, port: int) -> None:
    link = re.search(rf"(http://127\.0\.0\.1:{port}/invite/\S+)", output)
    assert link, output
    with httpx.Client() as browser:
        form = browser.get(link.group(1))
        assert form.status_code == 200 and "admin@oracle.example" in form.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf, form.text
        fields = {"csrf_token": csrf.group(1), "password": "a long new password"}
        done = browser.post(link.group(1), data={**fields, "confirm": fields["password"]})
        assert done.status_code in (200, 303), done.text
        home = browser.get(f"http://127.0.0.1:{port}/")
        assert home.status_code == 200, (home.status_code, home.headers)  # not sent to /login
