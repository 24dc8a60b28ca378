"""The mail subscribers get when an incident is first published without a message.

Publishing an incident that was already resolved mailed "We are investigating." while the page
said `resolved`. Now the mail's words (and its subject) say the incident's public state."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain, mail_text
from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.settings import Settings

V2 = "/status/api/v2"


def _subscribed(client: TestClient, worker: Worker, clock: FakeClock, box: Mailbox) -> None:
    assert client.post("/status/subscribers", data={"email": "r@example.com"}).status_code == 202
    drain(worker, clock)
    found = re.search(r"http://status\.test(/status/subscribers/confirm/\S+)",
                      mail_text(box.messages[-1]))  # fmt: skip
    assert found is not None
    assert client.post(found.group(1)).status_code == 200


def _published_mail(
    client: TestClient, worker: Worker, clock: FakeClock, box: Mailbox,
    headers: dict[str, str], number: int, name: str,
) -> str:  # fmt: skip
    seen = len(box.messages)
    body = {"number": number, "name": name, "components": ["api"]}
    assert client.post("/api/v1/status/incidents", json=body, headers=headers).status_code == 201
    drain(worker, clock)
    [mail] = [mail_text(m) for m in box.messages[seen:]]
    return mail


def test_publishing_a_resolved_incident_mails_that_it_is_resolved(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    _subscribed(client, worker, clock, box)
    number = open_incident(db, clock)
    with db.session() as session:
        incidents.resolve(session, clock, incidents.get_incident(session, number),
                          actor="ic@corp.test")  # fmt: skip
        session.commit()
    clock.advance(minutes=30)
    mail = _published_mail(client, worker, clock, box, admin_headers, number, "Checkout was slow")
    assert "Subject: [resolved] Checkout was slow" in mail
    assert "This incident has been resolved." in mail
    assert "investigating" not in mail.lower()
    [shown] = client.get(f"{V2}/incidents.json").json()["incidents"]
    assert shown["status"] == "resolved"

    # An open incident still starts with "We are investigating."
    mail = _published_mail(client, worker, clock, box, admin_headers, open_incident(db, clock),
                           "Checkout is slow")  # fmt: skip
    assert "Subject: Checkout is slow" in mail and "We are investigating." in mail

    # Public text posted before publication said "monitoring": so does the first mail.
    number = open_incident(db, clock)
    update = {"state": "monitoring", "internal": "rolled back", "public": "Rolled back."}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=update,
                         headers=admin_headers)  # fmt: skip
    assert answer.status_code == 201, answer.text
    mail = _published_mail(client, worker, clock, box, admin_headers, number, "Logins fail")
    assert "Subject: [monitoring] Logins fail" in mail
    assert "A fix is in place and we are monitoring the results." in mail
