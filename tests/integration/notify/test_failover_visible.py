"""Delivery failures are visible where responders look, and a failing contact method fails
over to the person's next one — with the real Apprise e-mail sender against a port where
nothing listens (like the default WARROOM_SMTP_URL) and a real local webhook receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, free_port, http_receiver
from tests.integration.paging.world import apply
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    senders.set_sender(None)  # the real senders
    with http_receiver() as r:
        yield r


def org(hook: str, second: bool = True, later: str = "") -> str:
    fallback = f'\n      - {{name: webhook, url: "{hook}/oncall1"}}' if second else ""
    rule = f"\n      - {{contact: webhook, after: {later}}}" if later else ""
    return f"""\
severities:
  - key: P0
    name: Critical
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {{name: email, email: oncall1@atlas.test}}{fallback}
    notification_rules:
      - {{contact: email, after: 0s}}{rule}
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


def open_p0(db: Database, clock: FakeClock) -> tuple[int, int]:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="am", title="Proofs down", severity="P0", services=["api"]
        )
        return incident.id, incident.number


@pytest.fixture
def dead_smtp(settings: Settings) -> None:
    # Nothing listens there: every e-mail fails, as with the default mailto://localhost:25.
    settings.smtp_url = f"mailto://127.0.0.1:{free_port()}?from=w@atlas.test"


def kinds(db: Database, incident_id: int) -> list[str]:
    with db.session() as session:
        return [e.kind for e in timeline.last_events(session, incident_id=incident_id, count=50)]


def test_a_failing_email_fails_over_to_the_next_contact_method_at_once(
    db: Database, clock: FakeClock, settings: Settings, receiver: HttpReceiver, dead_smtp: None
) -> None:
    apply(db, clock, org(f"http://{receiver.url}/hook"))
    incident_id, _ = open_p0(db, clock)
    Worker(db, clock, settings, "w1").run_once()
    # The first failed e-mail attempt moved the page on; the webhook got it, no back-off wait.
    assert [r.path for r in receiver.requests] == ["/hook/oncall1"]
    seen = kinds(db, incident_id)
    assert "paging:notification:failing" in seen
    assert "paging:page:failover" in seen
    assert "paging:notification:sent" in seen
    assert "paging:page:unreachable" not in seen


def test_nobody_reachable_is_said_loudly_and_pages_show_state_and_answer(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    receiver: HttpReceiver,
    dead_smtp: None,
    client: TestClient,
    admin_headers: dict[str, str],
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # a wide terminal: table headers on one line
    apply(db, clock, org(f"http://{receiver.url}/hook", second=False))
    incident_id, number = open_p0(db, clock)
    Worker(db, clock, settings, "w1").run_once()
    assert kinds(db, incident_id).count("paging:page:unreachable") == 1

    # The incident API: each page's person, channel, state, attempts and the provider's answer.
    detail = client.get(f"/api/v1/incidents/{number}", headers=admin_headers).json()
    [page] = detail["pages"]
    assert (page["person"], page["channel"], page["state"]) == (
        "oncall1@atlas.test",
        "email",
        "queued",
    )
    assert page["attempts"] == 1 and page["provider_answer"]

    # `incident show` and `notifications list` show the same.
    shown = cli("incident", "show", str(number))
    assert shown.exit_code == 0, shown.output
    assert "Pages" in shown.output and "RETRYING" in shown.output
    assert "oncall1@atlas.test" in shown.output
    listed = cli("notifications", "list")
    assert "Channel" in listed.output and "Provider's answer" in listed.output
    assert "email" in listed.output and "Connection error" in listed.output

    # Retries run out: failed, on the timeline once, and counted by channel in /metrics.
    for _ in range(12):
        clock.advance(hours=1)
        Worker(db, clock, settings, "w1").run_once()
    detail = client.get(f"/api/v1/incidents/{number}", headers=admin_headers).json()
    assert [p["state"] for p in detail["pages"]] == ["failed"]
    assert kinds(db, incident_id).count("paging:page:unreachable") == 1
    assert kinds(db, incident_id).count("paging:notification:failed") == 1
    metrics = client.get("/metrics", headers=admin_headers).text
    assert 'warroom_notifications_failed{channel="email"} 1.0' in metrics
    assert 'warroom_notification_failures_total{channel="email"}' in metrics


def test_a_later_rule_does_not_page_again_through_the_failover_method(
    db: Database, clock: FakeClock, settings: Settings, receiver: HttpReceiver, dead_smtp: None
) -> None:
    apply(db, clock, org(f"http://{receiver.url}/hook", later="2m"))
    open_p0(db, clock)
    worker = Worker(db, clock, settings, "w1")
    worker.run_once()
    assert [r.path for r in receiver.requests] == ["/hook/oncall1"]  # the failover
    clock.advance(minutes=3)
    worker.run_once()  # the webhook rule is due: the page already went that way
    assert [r.path for r in receiver.requests] == ["/hook/oncall1"]
