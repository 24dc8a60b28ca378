"""What each role reads of secrets the canary sweep did not plant: a contact URL whose path is
the secret (json://host/T0/B0/<secret>), an http action's header with a hyphenated name
(DD-API-KEY) and a status-page subscriber's e-mail address (the subscriber list is admin-only).

An organisation is applied (on the server, as actions need), a person is paged at a receiver
that refuses (a failed delivery puts its target on the timeline and in the job's log line), a
subscriber's confirm mail reaches a real SMTP server (Apprise's answer names the recipient);
then viewers, responders and admins call every GET of the API and read the config and incident
pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox, http_receiver, smtp_server
from tests.integration.security.test_canary_sweep import Session, _every_get
from tests.integration.web.conftest import make_ui_user, ui_login
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings

__all__ = ["make_ui_user", "ui_login"]  # fixtures used below

CANARY = "cnrymask5rz8"  # lower case: a subscriber address is kept lower-cased
HOOK_PATH = f"/T0ALICE/B0ALICE/{CANARY}"
SUBSCRIBER = f"jane.{CANARY.lower()}@customer.test"
ROLES = ("viewer", "responder", "admin")


def _config(receiver: HttpReceiver) -> str:
    return f"""
severities:
  - {{key: SEV1, name: Critical, acknowledge_within: 5m}}
users:
  - email: alice@example.com
    name: Alice
    contact_methods: [{{name: hook, url: "json://{receiver.url}{HOOK_PATH}"}}]
escalation_policies:
  - key: p
    levels: [{{notify: ["user:alice@example.com"], escalate_after: 5m}}]
services:
  - {{key: api, name: API, escalation_policy: p}}
action_settings: {{enabled: true}}
actions:
  - id: pause
    title: Pause the feed
    kind: http
    http:
      method: POST
      url: "https://api.vendor.example/v1/pause"
      headers: {{DD-API-KEY: "dd-{CANARY}", X-Api-Key: "x-{CANARY}", X-Team: "team-{CANARY}"}}
    reversible: false
"""


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    senders.set_sender(None)
    with http_receiver() as found:
        found.status[HOOK_PATH] = 500
        yield found


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings(db: Database, tmp_path: Any, mailbox: Mailbox) -> Settings:
    return Settings(
        database_url=db.url,
        secret_key="test-secret",
        data_dir=tmp_path,
        smtp_url=f"mailto://127.0.0.1:{mailbox.port}?from=warroom@example.com",
    )


def test_no_role_reads_a_webhook_path_a_header_or_a_subscriber_address(
    app: FastAPI,
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    receiver: HttpReceiver,
    mailbox: Mailbox,
    make_token: Callable[..., str],
    ui_login: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    headers = {r: {"Authorization": f"Bearer {make_token(r)}"} for r in ROLES}
    admin = Session(client, headers["admin"])
    # Applied on the server, as `warroom config apply DIR` does (the API adds no actions).
    doc, problems = config_service.load_files({"org.yaml": _config(receiver)}, references=True)
    assert not problems.lines(), problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    admin.call("POST", "/status/subscribers", 202, json={"email": SUBSCRIBER}, headers={})
    incident = {"title": "Checkout down", "severity": "SEV1", "services": ["api"]}
    admin.call("POST", "/api/v1/incidents", 201, json=incident)
    worker = Worker(db, clock, settings, "masking")
    for _ in range(4):
        while worker.run_once():
            pass
        clock.advance(minutes=1)

    # The session did what it claims: the page was refused at its secret path, the mail went.
    assert receiver.to(HOOK_PATH)
    assert [m["To"] for m in mailbox.messages] == [SUBSCRIBER]

    sessions = {r: Session(client, headers[r]) for r in ROLES}
    for s in sessions.values():
        assert _every_get(s, app) >= 20
    for role, s in sessions.items():
        listed = s.call("GET", "/api/v1/notifications", 200).json()
        shown = {(m["purpose"], m["target"]) for m in listed}
        assert shown == {
            ("status_subscriber", f"mailto://127.0.0.1:{mailbox.port}/…"),
            ("page:escalation", f"json://{receiver.url}/…"),
        }, role
        [mail] = [m for m in listed if m["purpose"] == "status_subscriber"]
        assert "Sent Email to ***@customer.test" in mail["provider_answer"], role
        timeline = s.call("GET", "/api/v1/incidents/1/timeline", 200).text
        assert f'"target":"json://{receiver.url}/…"' in timeline.replace(" ", ""), role
        config = s.call("GET", "/api/v1/config", 200).json()
        [action] = config["document"]["actions"]
        assert action["http"]["headers"] == {"DD-API-KEY": "***", "X-Api-Key": "***",
                                             "X-Team": "***"}  # fmt: skip
    for role in ROLES:  # the pages: a fresh sign-in each (the cookie would outlive the role)
        with TestClient(app) as browser:
            ui_login(browser, role)
            for path in ("/ui/config", "/ui/incidents/1", "/ui/admin"):
                page = browser.get(path)
                sessions[role].answers.append(f"{role} {path} -> {page.status_code} {page.text}")
                assert page.status_code in (200, 403), (role, path, page.status_code)

    answers = [a for s in [admin, *sessions.values()] for a in s.answers]
    assert [a[:300] for a in answers if CANARY in a.lower()] == []
    # What `warroom serve` prints: warroom's own lines, and others' warnings (Apprise's INFO
    # lines, "Sent Email to <address>", reach no handler there; the test SMTP server's are its).
    logged = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("warroom") or (r.levelno >= logging.WARNING and r.name != "mail.log")
    ]
    assert any("delivery to json://" in m for m in logged)  # the failure's log line was seen
    assert [m[:200] for m in logged if CANARY in m.lower()] == []
