"""A page refused for good on its first attempt (a 4xx answer) says so in the server's log, once,
as a page whose first attempt fails and is retried does (warroom.paging.notice)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.integration.notify.receivers import http_receiver
from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify.models import Message
from warroom.settings import Settings

ORG = """\
severities:
  - {{key: P0, name: Critical}}
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {{name: hook, url: "http://{where}/{path}"}}
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall1@atlas.test], shift: weekly, start: "2025-12-29"}}
escalation_policies:
  - key: atlas
    levels:
      - {{notify: [schedule:primary], escalate_after: 30m}}
services:
  - {{key: api, name: API, escalation_policy: atlas}}
"""


def _page_lines(
    db: Database, clock: FakeClock, settings: Settings, caplog: pytest.LogCaptureFixture, path: str
) -> list[str]:
    with http_receiver() as receiver:
        receiver.status[f"/{path}"] = 400 if path == "refused" else 503
        apply(db, clock, ORG.format(where=receiver.url, path=path))
        with db.session() as session:
            incidents.open_incident(
                session, clock, actor="am", title="Proofs down", severity="P0", services=["api"]
            )
        with caplog.at_level(logging.WARNING, logger="warroom.pages"):
            for _ in range(12):  # past every retry's back-off (the escalation has no repeat)
                Worker(db, clock, settings, "w1").run_once()
                clock.advance(timedelta(minutes=10))
        assert receiver.to(f"/{path}"), "the page was never sent"
    return [r.getMessage() for r in caplog.records if r.name == "warroom.pages"]


@pytest.mark.parametrize(
    ("path", "status", "attempts"),
    [("refused", "400", 1), ("busy", "503", 8)],  # refused for good at once; retried, then failed
)
def test_a_failed_page_is_logged_once(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    all_domains: None,
    caplog: pytest.LogCaptureFixture,
    path: str,
    status: str,
    attempts: int,
) -> None:
    lines = _page_lines(db, clock, settings, caplog, path)
    with db.session() as session:
        [(state, tried)] = session.execute(select(Message.state, Message.attempts)).all()
    assert (state, tried) == ("failed", attempts)
    assert len(lines) == 1, lines
    assert re.fullmatch(
        rf"page for INC-1 to oncall1@atlas\.test by hook: not delivered \(.*{status}.*\); "
        r"read it with `warroom outbox show \d+`",
        lines[0],
    ), lines
