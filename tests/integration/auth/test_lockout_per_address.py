"""Wrong guesses at an account from one address no longer lock its person out everywhere.

Before, five wrong passwords for an e-mail address from anywhere refused that account to
everyone for 15 minutes, the right password included: anyone could lock any admin out of the
web UI at 3am. Now the five count per account and client address; the account is refused to
everyone only after ten times as many failures from any mix of addresses (guessing spread
over many addresses stays bounded), and each address keeps its own limit over all accounts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import BindApp
from tests.integration.web.conftest import MakeUser, make_ui_user, sign_in
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.settings import Settings

__all__ = ["make_ui_user"]  # a fixture used below

WRONG = "not the password"


@pytest.fixture
def browser(client: TestClient) -> Any:
    """browser(address) -> a client at that address (the `client` fixture started the app);
    browser(address, app) on another app."""

    def at(address: str, on: FastAPI = client.app) -> TestClient:  # type: ignore[assignment]
        return TestClient(on, client=(address, 40000))

    return at


def test_a_strangers_guesses_do_not_lock_the_person_out(
    browser: Any, make_ui_user: MakeUser, clock: FakeClock
) -> None:
    person = make_ui_user("admin")
    stranger, home = browser("203.0.113.9"), browser("198.51.100.7")
    for _ in range(5):
        assert sign_in(stranger, person.email, WRONG).status_code == 401
    refused = sign_in(stranger, person.email)  # the stranger stops here, even guessing right
    assert refused.status_code == 429
    assert "too many failed sign-ins to this account from this address" in refused.text
    assert sign_in(home, person.email).status_code == 303
    # The person's success does not wipe the stranger's count.
    assert sign_in(stranger, person.email).status_code == 429
    clock.advance(timedelta(seconds=901))
    assert sign_in(stranger, person.email).status_code == 303


def test_guessing_from_many_addresses_is_still_bounded(
    browser: Any,
    make_ui_user: MakeUser,
    bind_app: BindApp,
    settings: Settings,
    db: Database,
    clock: FakeClock,
) -> None:
    # One failure per account and address (fewer password checks): ten overall.
    strict = bind_app(settings.model_copy(update={"login_max_failures_per_account": 1}), db, clock)
    person = make_ui_user("responder")
    for n in range(10):
        guesser = browser(f"192.0.2.{n + 1}", strict)
        assert sign_in(guesser, person.email, WRONG).status_code == 401
        assert sign_in(guesser, person.email).status_code == 429  # its own limit
    fresh = sign_in(browser("192.0.2.200", strict), person.email)
    assert fresh.status_code == 429
    assert "too many failed sign-ins to this account;" in fresh.text


def test_ipv6_clients_count_by_their_64(browser: Any, make_ui_user: MakeUser) -> None:
    person = make_ui_user("responder")
    for n in range(5):  # five addresses of one /64 are one client
        assert sign_in(browser(f"2001:db8:1:2::{n + 1}"), person.email, WRONG).status_code == 401
    assert sign_in(browser("2001:db8:1:2::ff"), person.email).status_code == 429
    assert sign_in(browser("2001:db8:1:3::1"), person.email).status_code == 303
    from warroom.auth.sessions import _client_of

    assert _client_of("::ffff:192.0.2.1") == "192.0.2.1"
    assert _client_of("testclient") == "testclient"
