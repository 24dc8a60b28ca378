"""The public subscribe form must not let anyone add a second recipient: an address such as
`victim%40corp.test%2Cme@evil.test` passed the old check, and Apprise URL-decodes the `to=`
list, so the confirm link (and, once the attacker confirmed it, every status e-mail) went to
both the victim and the attacker: double opt-in bypassed. Found walking the status page as an
anonymous visitor; real SMTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain
from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings
from warroom.statuspage.models import Subscriber

SMUGGLED = [
    "victim%40corp.test%2Cme@evil.test",  # decoded by Apprise into two recipients
    "victim,me@evil.test",  # a list separator in the local part
    "a%26bcc%3Dspy%40evil.test@corp.test",  # an encoded query parameter
    "a b@corp.test",
]


@pytest.mark.parametrize("address", SMUGGLED)
def test_an_address_that_smuggles_another_recipient_is_refused(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], address: str,
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    answer = client.post("/status/subscribers", data={"email": address})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "email"
    drain(worker, clock)
    assert box.messages == []
    with db.session() as session:
        assert session.query(Subscriber).count() == 0


def test_ordinary_addresses_still_subscribe_and_get_exactly_one_mail(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    for address in ("Ann.Lee+status@corp.test", "o_brien-2@mail.corp.test"):
        assert client.post("/status/subscribers", data={"email": address}).status_code == 202
    drain(worker, clock)
    assert sorted(m["To"] for m in box.messages) == [
        "ann.lee+status@corp.test",
        "o_brien-2@mail.corp.test",
    ]
