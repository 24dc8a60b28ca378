"""Pages take their text from the `page` template; the ack link stays below it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.comms.org import apply, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

OVERRIDE = (
    "templates:\n  page: \"PAGE {{ ref }} [{{ severity }}] {{ affected_systems | join(',') }}\"\n"
)


@pytest.fixture
def fake() -> Iterator[senders.FakeSender]:
    sender = senders.FakeSender()
    senders.set_sender(sender)
    yield sender
    senders.set_sender(None)


def page_bodies(
    db: Database, clock: FakeClock, settings: Settings, fake: senders.FakeSender
) -> list[str]:
    with db.session() as session:
        incidents.open_incident(
            session, clock, actor="t", title="Checkout down", severity="P0", services=["api"]
        )
    Worker(db, clock, settings, "t").run_once()
    return [m.body for m in fake.sent if m.url.endswith("/boss")]


def test_page_text_comes_from_the_configured_template(
    db: Database, clock: FakeClock, settings: Settings, fake: senders.FakeSender
) -> None:
    apply(db, clock, org("127.0.0.1:9", OVERRIDE))
    [body] = page_bodies(db, clock, settings, fake)
    assert body.startswith("PAGE INC-1 [P0] api\n")
    assert "Acknowledge: " in body


def test_builtin_page_template_names_the_incident(
    db: Database, clock: FakeClock, settings: Settings, fake: senders.FakeSender
) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    [body] = page_bodies(db, clock, settings, fake)
    assert "INC-1 · severity P0 · status triggered" in body
    assert "Services: api" in body
    assert "Acknowledge: " in body
