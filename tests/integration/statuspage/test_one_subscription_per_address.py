"""One subscription per e-mail address. An address subscribed, confirmed, and 11 minutes later
subscribed again (for `api`) and confirmed got two mails per incident, and the one-click
unsubscribe ("You are unsubscribed and will get no more messages") ended only one of its two
subscriptions: the next incident still mailed it. A confirm link replayed after unsubscribing
answered "Subscription confirmed" though nothing would be sent.

Now confirming a new subscription of an address replaces the one before, unsubscribing ends
every subscription of the address (pending ones too), and a confirm link of an ended
subscription says so and starts nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain, mail_text
from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings
from warroom.statuspage.models import Subscriber

World = tuple[TestClient, Worker, Settings]
Receivers = tuple[Mailbox, HttpReceiver]


def _link(mail: str, action: str) -> str:
    found = re.search(rf"http://status\.test(/status/subscribers/{action}/\S+)", mail)
    assert found is not None, mail
    return found.group(1)


def _text(html: str) -> str:
    """The message of a subscriber page, as a reader sees it."""
    found = re.search(r"<p>(.*?)</p>", html, re.S)
    assert found is not None, html
    return found.group(1).replace("&#39;", "'")


class Reader:
    """One person with one mailbox, using the public form and the links they are mailed."""

    def __init__(self, world: World, receivers: Receivers, address: str) -> None:
        self.client, self.worker, _ = world
        self.box, _ = receivers
        self.address = address
        self.seen = 0

    def new_mail(self, clock: FakeClock) -> list[str]:
        drain(self.worker, clock)
        mails = [mail_text(m) for m in self.box.messages[self.seen :]]
        self.seen = len(self.box.messages)
        return mails

    def subscribe(self, clock: FakeClock, components: list[str]) -> str:
        form = {"email": self.address, "components": components}
        assert self.client.post("/status/subscribers", data=form).status_code == 202
        [mail] = self.new_mail(clock)
        return mail

    def follow(self, link: str) -> str:
        answer = self.client.post(link)
        assert answer.status_code == 200, answer.text
        return _text(answer.text)


def _publish(client: TestClient, headers: dict[str, str], db: Database, clock: FakeClock,
             name: str, component: str) -> None:  # fmt: skip
    number = open_incident(db, clock, services=[component])
    body = {"number": number, "name": name, "components": [component], "message": f"{name}."}
    assert client.post("/api/v1/status/incidents", json=body, headers=headers).status_code == 201


def test_subscribing_again_replaces_the_subscription_and_unsubscribe_ends_it(
    db: Database, clock: FakeClock, world: World, receivers: Receivers,
    admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client = world[0]
    reader = Reader(world, receivers, "r@example.com")
    apply(db, clock)
    first = reader.subscribe(clock, [])
    assert "Confirm that you want status updates" in first
    assert reader.follow(_link(first, "confirm")).startswith("Subscription confirmed.")
    clock.advance(minutes=11)
    again = reader.subscribe(clock, ["api"])
    assert "already gets status updates about every component" in again
    assert "To hear about the components api instead, confirm" in again
    answer = reader.follow(_link(again, "confirm"))
    assert answer.startswith("Subscription changed.")

    _publish(client, admin_headers, db, clock, "Checkout slow", "api")
    [news] = reader.new_mail(clock)  # one mail, not one per subscription
    assert "Checkout slow." in news
    _publish(client, admin_headers, db, clock, "Website slow", "web")
    assert reader.new_mail(clock) == []  # the later choice (api only) is the subscription

    answer = reader.follow(_link(news, "unsubscribe"))
    assert answer == "You are unsubscribed and will get no more messages."
    _publish(client, admin_headers, db, clock, "After leaving", "api")
    assert reader.new_mail(clock) == []

    # A confirm link replayed after unsubscribing starts nothing and says so.
    for mail in (first, again):
        answer = reader.follow(_link(mail, "confirm"))
        assert answer.startswith("You unsubscribed, so this link does not subscribe you again")
    _publish(client, admin_headers, db, clock, "Still gone", "api")
    assert reader.new_mail(clock) == []


def test_unsubscribing_ends_a_pending_subscription_of_the_address_too(
    db: Database, clock: FakeClock, world: World, receivers: Receivers,
    admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client = world[0]
    reader = Reader(world, receivers, "p@example.com")
    apply(db, clock)
    reader.follow(_link(reader.subscribe(clock, []), "confirm"))
    clock.advance(minutes=11)
    pending = reader.subscribe(clock, ["api"])  # asked again, not confirmed (yet)
    _publish(client, admin_headers, db, clock, "Checkout slow", "api")
    [news] = reader.new_mail(clock)
    reader.follow(_link(news, "unsubscribe"))
    answer = reader.follow(_link(pending, "confirm"))
    assert answer.startswith("You unsubscribed, so this link does not subscribe you again")
    _publish(client, admin_headers, db, clock, "After leaving", "api")
    assert reader.new_mail(clock) == []
    # Subscribing afresh works as the first time.
    clock.advance(minutes=11)
    fresh = reader.subscribe(clock, [])
    assert "Confirm that you want status updates" in fresh
    assert reader.follow(_link(fresh, "confirm")).startswith("Subscription confirmed.")
    _publish(client, admin_headers, db, clock, "Back", "web")
    [back] = reader.new_mail(clock)
    assert "Back." in back


def test_an_address_stored_twice_before_the_fix_is_mailed_once_and_unsubscribed_once(
    db: Database, clock: FakeClock, world: World, receivers: Receivers,
    admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client = world[0]
    reader = Reader(world, receivers, "old@example.com")
    apply(db, clock)
    with db.session() as session:  # as an older warroom left them: two confirmed rows
        for components in ([], ["api"]):
            session.add(Subscriber(kind="email", target="old@example.com", components=components,
                                   created_at=clock.now(), confirmed_at=clock.now()))  # fmt: skip
        session.commit()
    _publish(client, admin_headers, db, clock, "Checkout slow", "api")
    [news] = reader.new_mail(clock)
    reader.follow(_link(news, "unsubscribe"))
    _publish(client, admin_headers, db, clock, "After leaving", "api")
    assert reader.new_mail(clock) == []
