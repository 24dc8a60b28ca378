"""Pages delivered to a real local SMTP server (aiosmtpd) and a real local HTTP receiver; the
acknowledge link inside the e-mail, followed with an HTTP client against a real server, stops
the escalation."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import uvicorn

from tests.conftest import BindApp
from tests.integration.paging.world import apply, worker
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    hits: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            hits.append(
                {
                    "path": self.path,
                    "key": self.headers.get("Idempotency-Key"),
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()


@pytest.fixture
def served(
    bind_app: BindApp, db: Database, clock: FakeClock, settings: Settings
) -> Iterator[Settings]:
    """warroom itself on a real port (the FakeClock keeps the embedded engine off)."""
    port = free_port()
    live = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    app = bind_app(live, db, clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield live
    server.should_exit = True
    thread.join(5)


def org(smtp_port: int, http_port: int) -> str:
    hook = f"http://127.0.0.1:{http_port}/hook"
    return f"""\
severities:
  - key: P0
    name: Critical
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {{name: email, email: oncall1@atlas.test}}
      - {{name: webhook, url: "{hook}/oncall1"}}
  - email: lead@atlas.test
    name: Tech Lead
    contact_methods: [{{name: webhook, url: "{hook}/lead"}}]
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall1@atlas.test], shift: weekly, start: "2025-12-29"}}
escalation_policies:
  - key: atlas
    levels:
      - {{notify: [schedule:primary], escalate_after: 5m}}
      - {{notify: [user:lead@atlas.test]}}
services:
  - {{key: api, name: API, escalation_policy: atlas}}
"""


def plain_text(envelope: Any) -> str:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_ack_link_in_the_email_stops_escalation(
    db: Database,
    clock: FakeClock,
    served: Settings,
    smtp: tuple[int, list[Any]],
    receiver: tuple[int, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp_port, mails = smtp
    http_port, hits = receiver
    # Paging addresses e-mail with the settings it is given (the worker's), not the environment.
    served.smtp_url = f"mailto://127.0.0.1:{smtp_port}?from=warroom@atlas.test&mode=insecure"
    senders.set_sender(None)  # the real Apprise and webhook senders
    apply(db, clock, org(smtp_port, http_port))
    with db.session() as session:
        number = incidents.open_incident(
            session, clock, actor="am", title="Proofs down", severity="P0", services=["api"]
        ).number
    run = worker(db, clock, served)
    run.run_once()

    [mail] = mails
    assert mail.rcpt_tos == ["oncall1@atlas.test"]
    [hit] = hits
    assert hit["path"] == "/hook/oncall1" and hit["key"]
    assert hit["json"]["title"] == f"[P0] INC-{number}: Proofs down"

    text = plain_text(mail)
    link = re.search(r"Acknowledge: (http\S+)", text)
    assert link, text
    with httpx.Client(timeout=10) as http:
        confirm = http.get(link.group(1))
        assert confirm.status_code == 200 and "<form" in confirm.text
        acted = http.post(link.group(1))
        assert acted.status_code == 200 and f"INC-{number} acknowledged" in acted.text

    clock.advance(timedelta(minutes=6))
    run.run_once()
    assert [h["path"] for h in hits] == ["/hook/oncall1"]  # the tech lead was not paged
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert incident.acknowledged_by == "oncall1@atlas.test"
        kinds = [e.kind for e in timeline.events_since(
            session, incident_id=incident.id,
            kinds=["paging:page:queued", "paging:escalation:stopped", "paging:notification:sent"],
        )]  # fmt: skip
    assert kinds.count("paging:notification:sent") == 2
    assert "paging:escalation:stopped" in kinds


def test_without_ack_the_lead_gets_the_webhook(
    db: Database,
    clock: FakeClock,
    served: Settings,
    smtp: tuple[int, list[Any]],
    receiver: tuple[int, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp_port, _ = smtp
    http_port, hits = receiver
    monkeypatch.setenv("WARROOM_SMTP_URL", f"mailto://127.0.0.1:{smtp_port}?mode=insecure")
    senders.set_sender(None)
    apply(db, clock, org(smtp_port, http_port))
    with db.session() as session:
        incidents.open_incident(
            session, clock, actor="am", title="x", severity="P0", services=["api"]
        )
    run = worker(db, clock, served)
    run.run_once()
    clock.advance(timedelta(minutes=5))
    run.run_once()
    assert [h["path"] for h in hits] == ["/hook/oncall1", "/hook/lead"]
