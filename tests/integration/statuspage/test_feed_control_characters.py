"""A control character in public text (an ESC pasted from a coloured terminal) made the Atom
feed not well-formed XML for every reader; it is now refused where it comes in, naming the
field, with nothing written, and the feed leaves out any that an older warroom stored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.integration.statuspage.page import apply, open_incident
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.comms.models import StatusUpdate
from warroom.db import Database
from warroom.statuspage import service as statuspage
from warroom.statuspage.models import Maintenance, PublishedIncident

ATOM = "{http://www.w3.org/2005/Atom}"
PASTED = "Fix deployed: \x1b[32mOK\x1b[0m"


def _count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _published(db: Database, clock: FakeClock) -> int:
    apply(db, clock)
    number = open_incident(db, clock)
    with db.session() as session:
        statuspage.publish(session, clock, number, name="Slow API", components=["api"],
                           actor="ic@corp.test")  # fmt: skip
        session.commit()
    return number


@pytest.mark.parametrize("text", [PASTED, "page\x0cbreak", "nul\x00", "c1\x85here"])
def test_a_public_update_with_a_control_character_is_refused_and_nothing_written(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str],
    text: str,
) -> None:  # fmt: skip
    number = _published(db, clock)
    before = _count(db, StatusUpdate), _count(db, TimelineEvent)
    body = {"state": "identified", "internal": "internal", "public": text}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=body,
                         headers=responder_headers)  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "public"
    assert (_count(db, StatusUpdate), _count(db, TimelineEvent)) == before


def test_tabs_and_newlines_stay_welcome_in_public_text(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    number = _published(db, clock)
    body = {"state": "identified", "internal": "x", "public": "Line one\n\tLine two\r\nend"}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=body,
                         headers=responder_headers)  # fmt: skip
    assert answer.status_code == 201, answer.text


def test_a_public_name_message_or_maintenance_with_a_control_character_is_refused(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock)
    for field, value in (("name", "Slow \x1bAPI"), ("message", PASTED)):
        body = {"number": number, "name": "Slow API", "components": ["api"], field: value}
        answer = client.post("/api/v1/status/incidents", json=body, headers=admin_headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == field
    assert _count(db, PublishedIncident) == 0

    start = clock.now() + timedelta(days=1)
    for field in ("name", "body"):
        window = {"name": "DB upgrade", "body": "Read-only", "components": ["db"],
                  "scheduled_for": start.isoformat(),
                  "scheduled_until": (start + timedelta(hours=1)).isoformat(),
                  field: "Read\x07only"}  # fmt: skip
        answer = client.post("/api/v1/status/maintenances", json=window, headers=admin_headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == field
    assert _count(db, Maintenance) == 0


def test_the_feed_stays_xml_with_control_characters_stored_before(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    number = _published(db, clock)
    body = {"state": "identified", "internal": "x", "public": "Fix deployed: OK"}
    assert client.post(f"/api/v1/incidents/{number}/updates", json=body,
                       headers=responder_headers).status_code == 201  # fmt: skip
    with db.session() as session:  # as an older warroom stored them
        session.execute(update(StatusUpdate).values(public_text=PASTED))
        session.execute(update(PublishedIncident).values(name="Slow \x0bAPI"))
        session.commit()

    feed = client.get("/status/feed.atom")
    assert feed.status_code == 200
    root = ET.fromstring(feed.content)
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title", "").startswith("Slow API")
    assert "Fix deployed: [32mOK[0m" in entry.findtext(f"{ATOM}content", "")
    assert "\x1b" not in client.get("/status").text
