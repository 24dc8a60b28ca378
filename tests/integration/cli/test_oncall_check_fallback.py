"""`warroom oncall --check` says what paging will do for someone on call with no contact method:
the pager e-mails their address through WARROOM_SMTP_URL (docs/paging.md), so they are
unreachable only when that e-mail cannot be sent or the last one failed, as `warroom notify
test` shows, never merely for having no contact method configured."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select

from tests.integration.notify.receivers import free_port, smtp_server
from tests.integration.paging.world import apply
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.paging.models import ContactMethod
from warroom.settings import Settings

ORG = """\
users:
  - email: quiet@atlas.test
    name: Quiet
schedules:
  - key: primary
    layers:
      - {name: all, participants: [quiet@atlas.test], shift: weekly, start: "2025-12-29"}
"""


@pytest.fixture
def quiet_on_call(db: Database, clock: FakeClock) -> Iterator[None]:
    """quiet@ on call, with no contact method (a user made outside config has none)."""
    senders.set_sender(None)  # the real senders
    apply(db, clock, ORG)
    with db.session() as session:
        quiet = session.scalar(select(User).where(User.email == "quiet@atlas.test"))
        assert quiet is not None
        session.execute(delete(ContactMethod).where(ContactMethod.user_id == quiet.id))
    yield


def _check(cli: Callable[..., Any]) -> tuple[int, dict[str, str]]:
    result = cli("oncall", "--check", "--json")
    return result.exit_code, {r["user"]: r["reason"] for r in json.loads(result.output)}


def _test_page(cli: Callable[..., Any], worker: Worker) -> None:
    assert cli("notify", "test", "quiet@atlas.test", "--wait", "0").exit_code == 1  # queued
    worker.run_once()


def test_no_contact_method_is_reachable_by_the_email_fallback(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    quiet_on_call: None,
    cli: Callable[..., Any],
) -> None:
    worker = Worker(db, clock, settings, "w1")
    with smtp_server() as box:
        settings.smtp_url = f"mailto://127.0.0.1:{box.port}?from=w@atlas.test"
        assert _check(cli) == (0, {})
        _test_page(cli, worker)
        assert [m["To"] for m in box.messages] == ["quiet@atlas.test"]
    assert _check(cli) == (0, {})
    text = cli("oncall", "--check").output
    assert "has a working contact method" in text, text


def test_a_failed_email_fallback_is_named_as_such(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    quiet_on_call: None,
    cli: Callable[..., Any],
) -> None:
    settings.smtp_url = f"mailto://127.0.0.1:{free_port()}?from=w@atlas.test"  # nobody there
    assert _check(cli) == (0, {})  # not tried yet
    _test_page(cli, Worker(db, clock, settings, "w1"))
    code, reasons = _check(cli)
    assert code == 1
    assert reasons["quiet@atlas.test"] == (
        "no contact method configured: pages go by e-mail to their address "
        "(WARROOM_SMTP_URL), and the last e-mail failed"
    )


def test_an_smtp_url_warroom_cannot_send_through_makes_the_fallback_unreachable(
    settings: Settings, quiet_on_call: None, cli: Callable[..., Any]
) -> None:
    settings.smtp_url = "smtp.atlas.test:25"  # no scheme: no e-mail can be sent
    code, reasons = _check(cli)
    assert code == 1
    assert reasons["quiet@atlas.test"] == (
        "no contact method configured: pages go by e-mail to their address "
        "(WARROOM_SMTP_URL), and WARROOM_SMTP_URL is not a URL warroom can send e-mail through"
    )


def test_notify_test_says_a_page_not_tried_yet_is_not_an_answer(
    quiet_on_call: None, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # a table row on one line, whatever ran before
    result = cli("notify", "test", "quiet@atlas.test", "--wait", "0")  # no engine runs here
    assert result.exit_code == 1
    # Named as the fallback it is, not as a contact method someone configured and named "email".
    assert "│ email (no contact method) " in result.output, result.output
    assert "queued" in result.output, result.output
    assert (
        "1 test page(s) not delivered yet after 0s: is the engine running (warroom serve, or "
        "warroom worker)? Read the outcome later with `warroom outbox show ID` (1)"
    ) in " ".join(result.output.split()), result.output
