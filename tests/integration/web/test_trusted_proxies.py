"""`warroom serve` behind a reverse proxy: X-Forwarded-For counts only from trusted proxies.

The real server process is started, because uvicorn (not the app) reads the forwarded headers.
The per-address sign-in limit shows which client address the app saw.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.web.conftest import csrf_of

WARROOM = str(Path(sys.executable).parent / "warroom")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WARROOM_TRUSTED_PROXIES"}
    return env | {
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path}/warroom.db",
        "WARROOM_DATA_DIR": str(tmp_path / "var"),
        "WARROOM_SECRET_KEY": "",
        # Two failures from one address limit it; each attempt names another account, so
        # that no account reaches its own limit (5).
        "WARROOM_LOGIN_MAX_FAILURES_PER_ADDRESS": "2",
        **settings,
    }


@contextlib.contextmanager
def _serving(tmp_path: Path, *args: str, **settings: str) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [WARROOM, "serve", "--no-engine", "--port", str(port), *args],
            env=_env(tmp_path, **settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            time.sleep(0.2)  # waiting for a real server process to come up
        else:
            pytest.fail(f"warroom serve did not come up:\n{log_path.read_text()}")
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)


def _failed_sign_in(browser: httpx.Client, n: int, forwarded_for: str) -> httpx.Response:
    token = csrf_of(browser.get("/login").text)
    return browser.post(
        "/login",
        data={"email": f"nobody{n}@example.com", "password": "guess-guess", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
    )


def _limited(answer: httpx.Response) -> bool:
    if answer.status_code == 429:
        assert "too many failed sign-ins from this address" in answer.text
        return True
    assert answer.status_code == 401, answer.text  # wrong e-mail or password, not limited
    return False


def _second_address_limited(base: str) -> bool:
    """Limit 203.0.113.7; then whether a sign-in forwarded for 203.0.113.8 is limited too."""
    with httpx.Client(base_url=base, timeout=30) as browser:
        assert not _limited(_failed_sign_in(browser, 0, "203.0.113.7"))
        assert not _limited(_failed_sign_in(browser, 1, "203.0.113.7"))
        assert _limited(_failed_sign_in(browser, 2, "203.0.113.7"))
        return _limited(_failed_sign_in(browser, 3, "203.0.113.8"))


def _cookie_secure_behind_https(base: str) -> bool:
    """Whether a page fetched through a proxy that says the client used https sets Secure."""
    answer = httpx.get(f"{base}/login", headers={"X-Forwarded-Proto": "https"})
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("warroom_browser="), cookie
    return "secure" in [part.strip().lower() for part in cookie.split(";")]


@pytest.mark.parametrize(
    ("args", "settings"),
    [
        ((), {"WARROOM_TRUSTED_PROXIES": "127.0.0.1"}),
        # The option overrides the setting; a network trusts every address in it.
        (("--trusted-proxies", "::1, 127.0.0.0/8"), {"WARROOM_TRUSTED_PROXIES": "not-an-ip"}),
    ],
    ids=["setting", "option"],
)
def test_a_trusted_proxy_forwards_each_client_address(
    tmp_path: Path, args: tuple[str, ...], settings: dict[str, str]
) -> None:
    with _serving(tmp_path, *args, **settings) as base:
        assert not _second_address_limited(base)
        assert _cookie_secure_behind_https(base)


def test_without_trusted_proxies_forwarded_addresses_are_ignored(tmp_path: Path) -> None:
    # Every attempt counts against 127.0.0.1 whatever X-Forwarded-For claims: no spoofing.
    with _serving(tmp_path) as base:
        assert _second_address_limited(base)
        assert not _cookie_secure_behind_https(base)


@pytest.mark.parametrize(
    ("args", "settings", "message"),
    [
        (
            (),
            {"WARROOM_TRUSTED_PROXIES": "127.0.0.1,not-an-ip"},
            "error: WARROOM_TRUSTED_PROXIES: 'not-an-ip' is not an IP address or CIDR network",
        ),
        (
            ("--trusted-proxies", "10.0.0.1/8"),
            {},
            "error: --trusted-proxies: '10.0.0.1/8' has host bits set: did you mean 10.0.0.0/8?",
        ),
    ],
    ids=["setting", "option"],
)
def test_a_bad_trusted_proxy_stops_serve_before_anything_happens(
    tmp_path: Path, args: tuple[str, ...], settings: dict[str, str], message: str
) -> None:
    done = subprocess.run(
        [WARROOM, "serve", "--no-engine", "--port", str(_free_port()), *args],
        env=_env(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "warroom.db").exists()  # not even migrated
