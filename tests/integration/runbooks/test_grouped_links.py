"""Alerts joining an open incident: a runbooks job only when they carry a runbook URL or could
attach a runbook the incident lacks (one their labels match); it attaches and keeps them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.runbooks.conftest import apply_dir, write_config
from tests.integration.runbooks.test_checklist import _fire, _runbooks
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.models import Job
from warroom.engine.worker import Worker
from warroom.settings import Settings

Headers = dict[str, str]
LABELS = {"alertname": "CheckoutErrors", "service": "checkout"}


# Matches by label only (no services, no severities): a joining alert's labels decide.
PAYMENTS = """---
matchers: {component: payments}
---
# Payments path

- Check the payment provider's status page
"""


def _pending_attach_jobs(db: Database) -> int:
    with db.session() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "runbooks.attach"))
        return sum(1 for j in jobs if j.state == "pending")


def _pending_links_jobs(db: Database) -> int:
    with db.session() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "runbooks.attach"))
        return sum(1 for j in jobs if j.state == "pending" and not j.payload.get("match"))


def test_grouped_alerts_queue_a_links_job_only_when_they_carry_a_runbook_url(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    client: TestClient,
    viewer_headers: Headers,
) -> None:
    _fire(client, {**LABELS, "instance": "a"})
    worker = Worker(db, clock, settings, "test")
    worker.run_once()
    assert _runbooks(client, viewer_headers, 1)["links"] == []
    _fire(client, {**LABELS, "instance": "b"})  # joins INC-1, no runbook URL: nothing queued
    assert _pending_links_jobs(db) == 0
    _fire(client, {**LABELS, "instance": "c"}, "https://wiki/joined")
    assert _pending_links_jobs(db) == 1
    worker.run_once()
    got = _runbooks(client, viewer_headers, 1)
    assert [link["url"] for link in got["links"]] == ["https://wiki/joined"]
    r = client.get("/api/v1/incidents/2", headers=viewer_headers)
    assert r.status_code == 404  # every alert joined the one incident


def test_a_joining_alert_attaches_the_runbooks_its_labels_match(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
    client: TestClient,
    viewer_headers: Headers,
) -> None:
    apply_dir(db, clock, write_config(tmp_path / "config", **{"slow-api": PAYMENTS}))
    worker = Worker(db, clock, settings, "test")
    _fire(client, {**LABELS, "instance": "a"})
    while worker.run_once():
        pass
    runs = _runbooks(client, viewer_headers, 1)["runs"]
    assert [(r["runbook"], r["reason"]) for r in runs] == [("checkout-errors", "route")]
    _fire(client, {**LABELS, "instance": "b"})  # matches no runbook it lacks: no job
    assert _pending_attach_jobs(db) == 0
    _fire(client, {**LABELS, "instance": "c", "component": "payments"})
    assert _pending_attach_jobs(db) == 1
    while worker.run_once():
        pass
    runs = _runbooks(client, viewer_headers, 1)["runs"]
    assert [(r["runbook"], r["reason"]) for r in runs] == [
        ("checkout-errors", "route"),
        ("slow-api", "match"),
    ]
    _fire(client, {**LABELS, "instance": "d", "component": "payments"})  # attached already
    assert _pending_attach_jobs(db) == 0
    assert client.get("/api/v1/incidents/2", headers=viewer_headers).status_code == 404
