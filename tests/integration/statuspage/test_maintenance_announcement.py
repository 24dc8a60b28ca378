"""A maintenance announced with times in another offset (`2026-01-02T22:00:00+02:00`) was
mailed as "2026-01-02 22:00 to 23:00 UTC" while the page and the JSON said 20:00 to 21:00Z; and an
unknown component ("apii") was accepted with 201, so the window touched nothing a subscriber
could choose. Now the mail gives the page's UTC times, and an unknown component is a 422 naming
the field and listing the page's components, with nothing stored or mailed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain, mail_text
from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings
from warroom.statuspage.models import Maintenance

V2 = "/status/api/v2"
WINDOW = {"name": "DB upgrade", "body": "Read-only for ten minutes.", "components": ["api"],
          "scheduled_for": "2026-01-02T22:00:00+02:00",
          "scheduled_until": "2026-01-02T23:00:00+02:00"}  # fmt: skip


def _subscriber(client: TestClient, worker: Worker, clock: FakeClock, box: Mailbox) -> None:
    client.post("/status/subscribers", data={"email": "r@example.com", "components": ["api"]})
    drain(worker, clock)
    found = re.search(r"http://status\.test(/status/subscribers/confirm/\S+)",
                      mail_text(box.messages[-1]))  # fmt: skip
    assert found is not None
    assert client.post(found.group(1)).status_code == 200


def test_the_mail_gives_the_times_the_page_gives_in_utc(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    _subscriber(client, worker, clock, box)
    seen = len(box.messages)
    answer = client.post("/api/v1/status/maintenances", json=WINDOW, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    drain(worker, clock)
    [mail] = [mail_text(m) for m in box.messages[seen:]]
    assert "2026-01-02 20:00 to 2026-01-02 21:00 UTC" in mail
    assert "22:00" not in mail
    assert "2026-01-02 20:00 \u2013 2026-01-02 21:00 UTC" in client.get("/status").text
    [shown] = client.get(f"{V2}/scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert (shown["scheduled_for"], shown["scheduled_until"]) == (
        "2026-01-02T20:00:00Z",
        "2026-01-02T21:00:00Z",
    )


def test_an_unknown_component_is_refused_naming_the_field_and_the_known_ones(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
) -> None:  # fmt: skip
    client, worker, _ = world
    box, _ = receivers
    apply(db, clock)
    _subscriber(client, worker, clock, box)
    seen = len(box.messages)
    wrong = WINDOW | {"components": ["api", "apii"]}
    answer = client.post("/api/v1/status/maintenances", json=wrong, headers=admin_headers)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "components[1]"
    assert "'apii'" in error["message"] and "api, db, web" in error["message"]
    drain(worker, clock)
    assert len(box.messages) == seen
    with db.session() as session:
        assert session.query(Maintenance).count() == 0
    assert client.get(f"{V2}/scheduled-maintenances.json").json()["scheduled_maintenances"] == []
