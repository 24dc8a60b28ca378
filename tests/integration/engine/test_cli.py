"""The CLI for jobs, heartbeats and notifications, against the in-process app."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest

from warroom.clock import FakeClock
from warroom.config import service as config
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, PermanentFailure, handler, register_module
from warroom.engine.worker import Worker
from warroom.notify import service as notify
from warroom.settings import Settings

Cli = Callable[..., Any]


@handler("test.cli_fails")
def fails(ctx: JobContext, job: Job) -> None:
    raise PermanentFailure("broken on purpose")


def test_jobs_status_list_and_retry(
    cli: Cli, db: Database, clock: FakeClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table cells are not wrapped
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "test.cli_fails", {}).id
    Worker(db, clock, settings).run_once()
    status = cli("jobs", "status")
    assert status.exit_code == 0, status.output
    assert "test.cli_fails" in status.output
    # The status counts pending, running and failed jobs only: no columns that stay empty.
    header = next(line for line in status.output.splitlines() if "Kind" in line)
    columns = tuple(word for word in header.split() if word.isalpha())
    assert columns == ("Kind", "Pending", "Running", "Failed")
    listed = cli("jobs", "list", "--state", "failed", "--json")
    assert [j["id"] for j in json.loads(listed.output)] == [job_id]
    table = cli("jobs", "list", "--state", "failed")
    assert "broken on purpose" in table.output
    retried = cli("jobs", "retry", str(job_id))
    assert (retried.exit_code, "pending again" in retried.output) == (0, True)
    again = cli("jobs", "retry", str(job_id))
    assert again.exit_code == 1
    assert "field: state" in again.output


def test_heartbeat_list_ping_and_url(cli: Cli, db: Database, clock: FakeClock) -> None:
    doc, problems = config.load_files(
        {
            "c.yaml": "severities:\n  - {key: SEV2, name: Medium}\n"
            "heartbeats:\n  - {name: cron, interval: 1h, severity: SEV2}\n"
        }
    )
    assert not problems, problems.lines()
    with db.session() as session:
        config.apply_document(session, clock, doc, actor="test")
    assert "cron" in cli("heartbeat", "list").output
    pinged = cli("heartbeat", "ping", "cron")
    assert pinged.exit_code == 0 and "cron: up" in pinged.output
    assert json.loads(cli("heartbeat", "list", "--json").output)[0]["state"] == "up"
    url = cli("heartbeat", "url", "cron")
    assert "/api/v1/heartbeats/cron?key=" in url.output
    missing = cli("heartbeat", "ping", "nope")
    assert missing.exit_code == 1


def test_notifications_list(cli: Cli, db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        notify.queue_message(
            session, clock, url="json://user:s3cret@example.com/hook", title="t", body="b",
            incident_id=3, user_id=None, idempotency_key="k", purpose="page",
        )  # fmt: skip
    listed = json.loads(cli("notifications", "list", "--incident-id", "3", "--json").output)
    assert [(m["purpose"], m["state"]) for m in listed] == [("page", "queued")]
    table = cli("notifications", "list")
    assert table.exit_code == 0 and "s3cret" not in table.output


# The test handlers above, registered as the composition root registers domain modules.
register_module(sys.modules[__name__])
