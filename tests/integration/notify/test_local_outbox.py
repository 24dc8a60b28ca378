"""Out of the box a page is visible (issue 10): with no SMTP server where e-mail goes (like the
default mailto://localhost:25), the server says where pages go, logs one line per undelivered
page naming the command that shows it, and `warroom outbox` prints the page's text."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BindApp
from tests.integration.notify.receivers import free_port
from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

ORG = """\
severities:
  - key: P0
    name: Critical
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {name: email, email: oncall1@atlas.test}
schedules:
  - key: primary
    layers:
      - {name: all, participants: [oncall1@atlas.test], shift: weekly, start: "2025-12-29"}
escalation_policies:
  - key: atlas
    levels:
      - {notify: [schedule:primary], escalate_after: 30m}
services:
  - {key: api, name: API, escalation_policy: atlas}
"""


@pytest.fixture
def dead_smtp(settings: Settings) -> int:
    """Nothing listens where e-mail goes; the real senders."""
    port = free_port()
    settings.smtp_url = f"mailto://127.0.0.1:{port}?from=w@atlas.test"  # paging uses these
    senders.set_sender(None)
    return port


def test_the_server_says_where_pages_go_at_start(
    bind_app: BindApp,
    settings: Settings,
    db: Database,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    local = settings.model_copy(update={"smtp_url": "mailtos://me:hunter2@mail.test:587?from=a@b"})
    with (
        caplog.at_level(logging.INFO, logger="warroom.pages"),
        TestClient(bind_app(local, db, clock)),
    ):
        pass
    [line] = [r.getMessage() for r in caplog.records if r.name == "warroom.pages"]
    assert line.startswith("pages by e-mail go through mailtos://mail.test:587 (WARROOM_SMTP_URL)")
    assert "`warroom outbox list`" in line
    assert "hunter2" not in line


def test_an_undelivered_page_is_logged_and_readable_from_the_outbox(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    dead_smtp: int,
    cli: Callable[..., Any],
    client: TestClient,
    viewer_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    apply(db, clock, ORG)
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="am", title="Proofs down", severity="P0", services=["api"]
        )
        number = incident.number
    with caplog.at_level(logging.WARNING, logger="warroom.pages"):
        Worker(db, clock, settings, "w1").run_once()
    [line] = [r.getMessage() for r in caplog.records if r.name == "warroom.pages"]
    found = re.fullmatch(
        rf"page for INC-{number} to oncall1@atlas\.test by email: not delivered \((.+)\); "
        r"read it with `warroom outbox show (\d+)`",
        line,
    )
    assert found, line
    message_id = found.group(2)

    listed = cli("outbox", "list", "--incident", f"INC-{number}", "--undelivered", "--json")
    assert listed.exit_code == 0, listed.output
    assert message_id in listed.output and '"state": "queued"' in listed.output

    shown = cli("outbox", "show", message_id)
    assert shown.exit_code == 0, shown.output
    assert "channel:   email" in shown.output
    assert "delivered: not delivered yet (retrying), 1 attempt(s)" in shown.output
    assert f"INC-{number}" in shown.output and "Proofs down" in shown.output

    # A page's text carries its acknowledge link: responders read it, viewers do not.
    answer = client.get(f"/api/v1/notifications/{message_id}/text", headers=viewer_headers)
    assert answer.status_code == 403
