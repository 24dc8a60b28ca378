"""`warroom notify test USER` and `warroom oncall --check`, through the real CLI and API, with
a real local webhook receiver and an SMTP port where nothing listens."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select

from tests.integration.notify.receivers import HttpReceiver, free_port, http_receiver
from tests.integration.paging.world import apply
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.paging.models import ContactMethod
from warroom.settings import Settings


def org(hook: str) -> str:
    return f"""\
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {{name: email, email: oncall1@atlas.test}}
      - {{name: webhook, url: "{hook}"}}
  - email: quiet@atlas.test
    name: Quiet
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall1@atlas.test], shift: weekly, start: "2025-12-29"}}
  - key: secondary
    layers:
      - {{name: all, participants: [quiet@atlas.test], shift: weekly, start: "2025-12-29"}}
"""


@pytest.fixture
def receiver(settings: Settings) -> Iterator[HttpReceiver]:
    senders.set_sender(None)  # the real senders
    settings.smtp_url = f"mailto://127.0.0.1:{free_port()}?from=w@atlas.test"  # nobody there
    with http_receiver() as r:
        yield r


@pytest.fixture
def engine(db: Database, clock: FakeClock, settings: Settings) -> Iterator[Worker]:
    worker = Worker(db, clock, settings, "w1", options=EngineOptions(poll_seconds=0.2))
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(10)


def test_notify_test_reports_each_contact_method(
    db: Database,
    clock: FakeClock,
    receiver: HttpReceiver,
    engine: Worker,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    apply(db, clock, org(f"http://{receiver.url}/hook"))
    result = cli("notify", "test", "oncall1@atlas.test", "--wait", "30")
    assert result.exit_code == 1, result.output  # one method does not work
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "sent" in lines["webhook"]
    assert "failed" in lines["email"]
    assert [r.path for r in receiver.requests] == ["/hook"]

    unknown = cli("notify", "test", "nobody@atlas.test")
    assert unknown.exit_code != 0 and "user" in unknown.output


def test_oncall_check_lists_who_cannot_be_reached(
    db: Database,
    clock: FakeClock,
    receiver: HttpReceiver,
    engine: Worker,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    apply(db, clock, org(f"http://{receiver.url}/hook"))
    with db.session() as session:  # config gives everyone an e-mail method; a user made
        quiet = session.scalar(select(User).where(User.email == "quiet@atlas.test"))
        assert quiet is not None  # elsewhere may have none at all
        session.execute(delete(ContactMethod).where(ContactMethod.user_id == quiet.id))
    first = cli("oncall", "--check")
    # Neither failed yet: quiet@ is paged by e-mail to their address (see
    # tests/integration/cli/test_oncall_check_fallback.py), oncall1@ through both methods.
    assert first.exit_code == 0, first.output

    receiver.status["/hook"] = 500  # now every method of oncall1 fails
    assert cli("notify", "test", "oncall1@atlas.test", "--wait", "30").exit_code == 1
    second = cli("oncall", "--check", "--json")
    assert second.exit_code == 1
    import json

    rows = {r["user"]: r for r in json.loads(second.output)}
    assert rows["oncall1@atlas.test"]["reason"] == "the last message to each contact method failed"
    assert rows["oncall1@atlas.test"]["schedules"] == ["primary"]

    receiver.status["/hook"] = 200  # a working method again: reachable
    clock.advance(minutes=1)  # test pages to one person are rate-limited
    cli("notify", "test", "oncall1@atlas.test", "--wait", "30")
    third = cli("oncall", "--check", "--json")
    assert json.loads(third.output) == []


def test_notify_test_tries_every_contact_method_once_rules_or_not(
    db: Database,
    clock: FakeClock,
    receiver: HttpReceiver,
    engine: Worker,
    cli: Callable[..., Any],
) -> None:
    # `backup` is in no rule, yet paging fails over to it: the test must try it too; `push`
    # is in two rules, yet it is one contact method: one test page, one row.
    hook = f"http://{receiver.url}"
    apply(
        db,
        clock,
        f"""\
users:
  - email: a@atlas.test
    name: A
    contact_methods:
      - {{name: push, url: "{hook}/push"}}
      - {{name: backup, url: "{hook}/backup"}}
    notification_rules:
      - {{contact: push, after: 0s}}
      - {{contact: push, after: 5m}}
""",
    )
    receiver.status["/backup"] = 500
    result = cli("notify", "test", "a@atlas.test", "--wait", "30", "--json")
    import json

    rows = json.loads(result.output)
    assert [(r["channel"], r["state"]) for r in rows] == [("push", "sent"), ("backup", "failed")]
    assert result.exit_code == 1  # the failover method does not work
    assert sorted(r.path for r in receiver.requests) == ["/backup", "/push"]


def test_notify_test_reports_an_unusable_smtp_url_on_the_email_row_and_tries_the_rest(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    receiver: HttpReceiver,
    engine: Worker,
    cli: Callable[..., Any],
) -> None:
    settings.smtp_url = f"mailto://127.0.0.1:{free_port()}"  # no from=: Apprise cannot use it
    apply(db, clock, org(f"http://{receiver.url}/hook"))
    result = cli("notify", "test", "oncall1@atlas.test", "--wait", "30", "--json")
    import json

    rows = {r["channel"]: r for r in json.loads(result.output)}
    assert result.exit_code == 1, result.output
    assert rows["webhook"]["state"] == "sent"  # still tried
    assert rows["email"]["state"] == "failed"
    assert "WARROOM_SMTP_URL" in rows["email"]["provider_answer"]
    assert [r.path for r in receiver.requests] == ["/hook"]
