"""The web UI in a real browser: Playwright for Python driving Debian's Chromium.

One `warroom serve` (uvicorn, engine embedded) per database kind with its own fresh database, a
real Alertmanager pointed at it and a local SMTP server that receives the pages; one headless
Chromium for the whole session (Playwright's `launch` gives it a fresh, temporary user-data
dir), a new browser context per person and viewport. Every test here is marked `e2e`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import need
from tests.e2e.test_alert_to_page import database
from tests.e2e.test_prometheus_alertmanager import free_port, process, wait_for
from tests.integration.notify.receivers import Mailbox, smtp_server

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AM_TOKEN = "browser-am-webhook-token-0123456789"
PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# The people who sign in: email -> role. ic/rev take part in incidents and reviews.
PEOPLE = {
    "admin@b.test": "admin",
    "ic@b.test": "responder",
    "rev@b.test": "responder",
    "viewer@b.test": "viewer",
}

ORG = """\
severities:
  - key: SEV1
    name: Critical
    acknowledge_within: 5m
    postmortem: {required: true, due_within: 48h}
  - key: SEV3
    name: Minor
users:
  - email: oncall@b.test
    name: On Call
    contact_methods: [{name: email, email: oncall@b.test}]
  - email: cover@b.test
    name: Cover Person
    contact_methods: [{name: email, email: cover@b.test}]
  - {email: ic@b.test, name: Ida Commander, contact_methods: [{name: email, email: ic@b.test}]}
  - {email: rev@b.test, name: Rex Reviewer, contact_methods: [{name: email, email: rev@b.test}]}
schedules:
  - key: primary
    name: Primary
    layers:
      - {name: all, participants: [oncall@b.test], shift: weekly, start: "2025-12-29"}
escalation_policies:
  - key: api
    levels:
      - {notify: [schedule:primary], escalate_after: 30m}
      - {notify: [user:ic@b.test]}
services:
  - {key: api, name: API, escalation_policy: api}
  - {key: web, name: Website}
integrations:
  - {key: am, type: alertmanager, secret: "%(token)s"}
routes:
  - key: api
    matchers: ['service="api"']
    service: api
    severity: {map: {critical: SEV1}, default: SEV3}
    group_by: [alertname]
runbooks:
  - key: api-errors
    markdown: |
      # API errors

      ## Triage
      - Check the error rate
      - Check the last deploy
  - key: db-failover
    markdown: |
      # Database failover when the primary is gone and the replicas lag (feature store, metadata)

      ## Steps
      - Promote the freshest replica
action_settings:
  enabled: true
  approval_expiry: 1h
actions:
  - id: pause-market
    title: Pause a market
    kind: command
    argv: [echo, paused, "{{ market }}"]
    params:
      - {name: market, type: string, pattern: "[A-Z]{2,6}"}
    reversible: false
    approval: [SEV1]
status_page:
  title: Browser Status
postmortems:
  approvals: 1
"""

AM_CONFIG = """route:
  receiver: warroom
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: warroom
    webhook_configs:
      - url: %(base)s/api/v1/intake/alertmanager
        http_config:
          authorization: {type: Bearer, credentials: "%(token)s"}
"""


@dataclass
class Server:
    """A running `warroom serve` with its database, mailbox, Alertmanager and an admin token."""

    kind: str
    base: str
    db_url: str
    token: str
    mailbox: Mailbox
    am_port: int
    tmp: Path
    logs: list[Path] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        answer = httpx.request(
            method,
            self.base + path,
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        assert answer.status_code < 300, (path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    def open_incident(self, title: str, severity: str = "SEV3", **extra: Any) -> int:
        body = {"title": title, "severity": severity, "services": ["api"], **extra}
        return int(self.api("POST", "/api/v1/incidents", body)["number"])

    def cli(self, *args: str) -> str:
        """Run the `warroom` CLI against this server with the admin token."""
        env = {**os.environ, "WARROOM_URL": self.base, "WARROOM_TOKEN": self.token}
        done = subprocess.run(
            [str(Path(sys.executable).with_name("warroom")), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def wait(self, what: str, check: Callable[[], Any]) -> Any:
        return wait_for(what, check, self.logs)


def _healthy(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url, timeout=2).status_code == 200
    return False


def _people(url: str) -> str:
    """Give the people who sign in a password (and their role); an admin API token."""
    from argon2 import PasswordHasher

    from warroom.auth import service as auth_service
    from warroom.auth.passwords import check_strength
    from warroom.clock import SystemClock
    from warroom.db import Database

    db = Database(url)
    clock = SystemClock()
    # At the production cost, which the server (a subprocess) checks passwords with (this test
    # process hashes at the lowest cost: tests/conftest.py).
    check_strength(PASSWORD)
    hashed = PasswordHasher().hash(PASSWORD)
    try:
        with db.session() as session:
            for email, role in PEOPLE.items():
                user = auth_service.ensure_user(
                    session, clock, email=email, name=email.split("@")[0], role=role
                )
                user.role = role
                user.password_hash = hashed
            admin = auth_service.get_user_by_email(session, "admin@b.test")
            token = auth_service.create_token(session, clock, admin, name="browser")[1]
            session.commit()
            return token
    finally:
        db.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    kind = request.param
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    need(alertmanager is not None, "the Debian package prometheus-alertmanager is not installed")
    assert alertmanager
    tmp = tmp_path_factory.mktemp(f"browser-{kind}")
    warroom = str(Path(sys.executable).with_name("warroom"))
    wr_port, am_port = free_port(), free_port()
    base = f"http://127.0.0.1:{wr_port}"
    (tmp / "org").mkdir()
    (tmp / "org" / "org.yaml").write_text(ORG % {"token": AM_TOKEN})
    (tmp / "alertmanager.yml").write_text(AM_CONFIG % {"base": base, "token": AM_TOKEN})
    logs = [tmp / "warroom.log", tmp / "alertmanager.log"]
    with database(kind, tmp) as url, smtp_server() as mailbox, contextlib.ExitStack() as stack:
        env = {
            **os.environ,
            "WARROOM_DATABASE_URL": url,
            "WARROOM_PUBLIC_URL": base,
            "WARROOM_SMTP_URL": f"mailto://127.0.0.1:{mailbox.port}?from=warroom@b.test&mode=insecure",
            "WARROOM_DATA_DIR": str(tmp / "var"),
            "WARROOM_SECRET_KEY": "browser-secret-key-for-signed-links-0",
            "WARROOM_ENGINE_POLL_SECONDS": "1",
            "WARROOM_LOG_LEVEL": "warning",
        }
        serve = [warroom, "serve", "--config", str(tmp / "org"), "--port", str(wr_port)]
        stack.enter_context(process(serve, logs[0], env))
        wait_for("warroom to serve", lambda: _healthy(base + "/healthz"), logs)
        am_cmd = [
            alertmanager,
            f"--config.file={tmp / 'alertmanager.yml'}",
            f"--storage.path={tmp / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ]
        stack.enter_context(process(am_cmd, logs[1]))
        wait_for(
            "alertmanager to serve",
            lambda: _healthy(f"http://127.0.0.1:{am_port}/-/ready"),
            logs,
        )
        token = _people(url)
        yield Server(kind, base, url, token, mailbox, am_port, tmp, logs)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    need(os.access(CHROMIUM, os.X_OK), "Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


Browse = Callable[..., Any]


@pytest.fixture
def browse(browser: Any, server: Server) -> Iterator[Browse]:
    """browse(email=None, viewport=DESKTOP, color_scheme="light") -> a Page, signed in as
    `email` through the login form when given; every context is closed after the test."""
    contexts: list[Any] = []

    def make(
        email: str | None = None,
        viewport: dict[str, int] = DESKTOP,
        color_scheme: str = "light",
        **options: Any,
    ) -> Any:
        context = browser.new_context(
            base_url=server.base, viewport=viewport, color_scheme=color_scheme, **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if email:
            sign_in(page, email)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, email: str, password: str = PASSWORD, go: bool = True) -> None:
    """Fill the login form (at /login, or the one the page is on when `go` is false)."""
    if go:
        page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
