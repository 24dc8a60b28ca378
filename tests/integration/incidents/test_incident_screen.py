"""`warroom incident show` at 80 columns: golden files on a FakeClock with a fixed incident.

The incident pages through real webhooks on 127.0.0.1: the on-call's is delivered, the
lead's receiver answers 500 (a failing page). Regenerate the golden files after a deliberate
change with `WARROOM_GOLDEN=write pytest tests/integration/incidents/test_incident_screen.py`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from tests.integration.notify.receivers import HttpReceiver, http_receiver
from tests.integration.paging.world import apply
from warroom.cli.incident_screen import render
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings

GOLDEN = Path(__file__).parent / "golden"


def org(hook: str) -> str:
    return f"""\
severities:
  - key: P0
    name: Critical
    acknowledge_within: 5m
    respond_within: 15m
    resolve_within: 1h
    internal_update_every: 30m
    external_update_every: 30m
    escalate_while_unresolved:
      - {{after: 30m, notify: [user:cto@atlas.test]}}
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods: [{{name: webhook, url: "{hook}/oncall1"}}]
  - email: lead@atlas.test
    name: Tech Lead
    contact_methods: [{{name: webhook, url: "{hook}/lead"}}]
  - email: cto@atlas.test
    name: CTO
    contact_methods: [{{name: webhook, url: "{hook}/cto"}}]
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall1@atlas.test], shift: weekly, start: "2025-12-29"}}
escalation_policies:
  - key: atlas
    levels:
      - {{notify: [schedule:primary], escalate_after: 5m}}
      - {{notify: [user:lead@atlas.test], escalate_after: 10m}}
      - {{notify: [user:cto@atlas.test], escalate_after: 10m}}
services:
  - {{key: api, name: API, escalation_policy: atlas}}
"""


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    senders.set_sender(None)  # the real senders
    with http_receiver() as r:
        r.status["/hook/lead"] = 500
        yield r


@pytest.fixture
def world(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    receiver: HttpReceiver,
    all_domains: None,
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient,
    admin_headers: dict[str, str],
) -> tuple[int, Worker]:
    """P0 INC-1 on API opened by an alert, one evidence item, paged to level 2 (the lead's
    page failing), 7 minutes in."""
    monkeypatch.setenv("WARROOM_TZ", "UTC")
    apply(db, clock, org(f"http://{receiver.url}/hook"))
    alert = {"title": "Proofs failing", "severity": "P0", "labels": {"service": "api"}}
    taken = client.post("/api/v1/intake/generic", json=alert, headers=admin_headers)
    assert taken.status_code == 202, taken.text
    number = client.get("/api/v1/incidents", headers=admin_headers).json()["items"][0]["number"]
    evidence = {"kind": "text", "name": "verifier log", "content": "502 from proof-store"}
    added = client.post(
        f"/api/v1/incidents/{number}/evidence", json=evidence, headers=admin_headers
    )
    assert added.status_code == 201, added.text
    worker = Worker(db, clock, settings, "w1")
    worker.run_once()
    clock.advance(minutes=5)
    worker.run_once()
    clock.advance(minutes=2)
    return number, worker


def screen(cli: Callable[..., Any], number: str, clock: FakeClock) -> str:
    """The screen as `incident show` draws it, at 80 columns, at the fake clock's now."""
    import json

    shown = cli("incident", "show", number, "--json")
    assert shown.exit_code == 0, shown.output
    out = Console(width=80, file=io.StringIO(), color_system=None)
    render(json.loads(shown.output), now=clock.now(), out=out)
    return str(out.file.getvalue())


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("WARROOM_GOLDEN") == "write":
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs:\n{text}"
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_triggered_incident_at_80_columns(
    world: tuple[int, Worker], cli: Callable[..., Any], clock: FakeClock
) -> None:
    number, _ = world
    cli("incident", "note", f"INC-{number}", "proof verifier returns 502 since 03:00")
    text = screen(cli, f"INC-{number}", clock)
    check_golden("triggered.txt", text)
    # What the picture says, beyond the golden file's exact bytes.
    assert "not acknowledged" in text
    assert "level 2 of 3, escalating" in text
    assert "next escalation: level 3" in text and "(in 8m)" in text
    assert "next rung: unresolved" in text and "user:cto@atlas.test" in text
    assert "DELIVERED" in text and ("RETRYING" in text or "FAILED" in text)
    assert "incident_commander     UNFILLED" in text
    assert "Alerts: 1 linked, 1 firing, 0 resolved   Evidence: 1 item" in text
    assert "{'" not in text and "': " not in text  # no raw Python dicts among the events


def test_a_resolved_incident_shows_met_and_missed_and_nothing_pending(
    world: tuple[int, Worker], cli: Callable[..., Any], clock: FakeClock
) -> None:
    number, worker = world
    assert cli("incident", "ack", f"inc-{number}").exit_code == 0
    cli("incident", "role", str(number), "incident_commander", "lead@atlas.test")
    clock.advance(minutes=20)
    assert (
        cli("incident", "resolve", f"INC-{number}", "--note", "verifier rolled back").exit_code == 0
    )
    worker.run_once()
    text = screen(cli, str(number), clock)
    check_golden("resolved.txt", text)
    assert "acknowledged by" in text
    assert "missed" in text and "met" in text
    due = text.split("Due", 1)[1].split("Roles", 1)[0]
    assert "(in " not in due and "update" not in due  # nothing pending after resolve
    assert "next escalation" not in text and "next rung" not in text
    assert "OVERDUE" not in text


@pytest.mark.parametrize("bad", ["INC-", "INC-x", "42a", "0", "PR-4"])
def test_a_number_that_is_not_an_incident_is_refused_clearly(
    cli: Callable[..., Any], bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the usage error on one line
    result = cli("incident", "show", bad)
    assert result.exit_code == 2
    assert "an incident number such as INC-42 or 42" in result.output
