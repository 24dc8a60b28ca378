"""A drill is marked DRILL everywhere and leaves no public trace: every page (e-mail subject
and body at a real SMTP server, webhook payloads at a real HTTP receiver, the chat channel),
every internal update starts with DRILL; a public update or a publication is refused with a
clear message; no public route or feed of the status page shows it, no subscriber hears."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from tests.integration.review.drills.world import World, apply, org, world
from tests.integration.statuspage.conftest import mail_text
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.notify.models import Message
from warroom.statuspage import public

__all__ = ["world"]
TITLE = "Checkout rehearsal zq-drill-41"


def _public_texts(world: World) -> dict[str, str]:
    paths = [str(getattr(r, "path", "")) for r in public.router.routes
             if "GET" in getattr(r, "methods", ())]  # fmt: skip
    paths = [p.replace("{status_id}", "1") for p in paths if "{token}" not in p]
    return {p: world.client.get(p).text for p in paths}


def _subscribe(world: World, clock: FakeClock) -> None:
    """A confirmed e-mail subscriber, and the confirmation mail removed from the box."""
    assert world.client.post("/status/subscribers", data={"email": "reader@example.com"}
                             ).status_code == 202  # fmt: skip
    world.drain(clock)
    [mail] = world.box.messages
    link = re.search(r"http://warroom\.test(/status/subscribers/confirm/\S+)", mail_text(mail))
    assert link is not None and world.client.post(link.group(1)).status_code == 200
    world.box.messages.clear()


def test_every_page_and_update_says_drill_and_nothing_is_public(
    db: Database, clock: FakeClock, world: World, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org(world.hooks.url))
    _subscribe(world, clock)
    before = _public_texts(world)
    body = {"severity": "P2", "service": "checkout", "title": TITLE,
            "participants": ["user:ic@corp.test"]}  # fmt: skip
    answer = world.client.post("/api/v1/drills", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    drill = answer.json()
    number = drill["number"]
    assert drill["title"] == f"DRILL: {TITLE}"
    shown = world.client.get(f"/api/v1/incidents/{number}", headers=admin_headers).json()
    assert shown["title"].startswith("DRILL") and shown["drill"] is True

    update = {"state": "investigating", "internal": "looking at checkout"}
    path = f"/api/v1/incidents/{number}/updates"
    assert world.client.post(path, json=update, headers=admin_headers).status_code == 201
    refused = world.client.post(path, json={**update, "public": "Checkout is slow"},
                                headers=admin_headers)  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "public"
    assert "drill" in refused.json()["error"]["message"]
    publish = {"number": number, "name": "Checkout slow", "components": ["checkout"]}
    refused = world.client.post("/api/v1/status/incidents", json=publish, headers=admin_headers)
    assert refused.status_code == 422 and "drill" in refused.json()["error"]["message"]
    incident_id = _incident_id(db, number)
    with db.session() as session:
        assert len(comms.list_updates(session, incident_id)) == 1  # the refused one wrote nothing
    world.drain(clock)
    clock.advance(minutes=20)  # past the P2 policy's first level, the cadence reminders
    world.drain(clock)

    mails = world.box.messages
    assert mails, "the participant's e-mail page reached the SMTP server"
    for mail in mails:
        assert str(mail["Subject"]).startswith("DRILL"), mail["Subject"]
        assert mail_text(mail).split("\n\n", 1)[1].lstrip().startswith("DRILL")
    posts = {r.path: json.loads(r.body) for r in world.hooks.requests}
    assert {"/ic", "/oncall", "/core-room"} <= set(posts), sorted(posts)
    for received in world.hooks.requests:
        doc = json.loads(received.body)
        text = doc.get("body", doc.get("message", ""))
        assert doc["title"].startswith("DRILL") and text.startswith("DRILL"), doc
    with db.session() as session:
        messages = list(session.scalars(select(Message)))
    assert any(m.purpose == "comms:update" for m in messages)
    # Only the subscription's confirmation is not the drill's: no subscriber heard of it.
    assert [m.title for m in messages if m.incident_id != incident_id] == [
        "Confirm your status subscription"
    ]
    for message in (m for m in messages if m.incident_id == incident_id):
        assert message.title.startswith("DRILL") and message.body.startswith("DRILL"), message

    after = _public_texts(world)
    assert json.loads(after["/status/api/v2/incidents.json"])["incidents"] == []
    assert json.loads(after["/status/api/v2/status.json"])["status"]["indicator"] == "none"
    components = json.loads(after["/status/api/v2/components.json"])["components"]
    assert {c["status"] for c in components} == {"operational"}
    assert after["/status/feed.atom"].count("<entry") == before["/status/feed.atom"].count("<entry")
    for path, text in after.items():
        assert "zq-drill-41" not in text and "DRILL" not in text.upper(), path
        assert f"INC-{number}" not in text, path


def _incident_id(db: Database, number: int) -> int:
    from warroom.incidents import service as incidents

    with db.session() as session:
        return int(incidents.get_incident(session, number).id)


def test_the_cli_shows_drill_in_the_title(db: Database, clock: FakeClock, cli: Any) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    result = cli("drill", "start", "--severity", "P2", "--service", "checkout")
    assert result.exit_code == 0, result.output
    assert "drill INC-1 started: DRILL: P2 drill [P2]" in result.output
    shown = cli("incident", "show", "INC-1")
    assert "DRILL: P2 drill" in shown.output
    listed = cli("drill", "list", "--json")
    assert [d["ref"] for d in json.loads(listed.output)] == ["INC-1"]


def test_a_drill_has_no_public_update_cadence(
    db: Database, clock: FakeClock, client: Any, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    for drill in (False, True):
        body = {"title": "Matching engine down", "severity": "P0", "drill": drill}
        assert client.post("/api/v1/incidents", json=body, headers=admin_headers).status_code == 201
    due = {}
    with db.session() as session:
        for number in (1, 2):
            rows = comms.cadence_record(session, _incident_id(db, number)).rows
            due[number] = {r.audience: r.due_at is not None for r in rows}
    assert due[1] == {"internal": True, "external": True}  # a real P0: both audiences
    assert due[2] == {"internal": True, "external": False}  # its drill: internal only
