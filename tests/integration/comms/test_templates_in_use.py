"""Every template is really used: initial and resolution notifications to the incident's
channels (sent by the engine), escalation pages, the public update on the status page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

HOOK = "127.0.0.1:9"
TWO_LEVELS = (
    "{key: bosses, levels: [{notify: [user:boss@corp.test], escalate_after: 5m}, "
    "{notify: [user:vp@corp.test]}]}"
)
OVERRIDES = """\
templates:
  initial: "INITIAL {{ ref }} [{{ severity }}] {{ affected_systems | join(',') }} {{ url }}"
  resolution: "RESOLVED {{ ref }} at {{ resolved_time }}"
  escalation: "ESCALATED {{ ref }}: {{ context }}"
  public_update: "PUBLIC {{ state }}: {{ text }}{{ url }}"
"""


@pytest.fixture
def fake() -> Iterator[senders.FakeSender]:
    sender = senders.FakeSender()
    senders.set_sender(sender)
    yield sender
    senders.set_sender(None)


def _config(extra: str = "") -> str:
    text = org(HOOK, extra)
    return text.replace("{key: bosses, levels: [{notify: [user:boss@corp.test]}]}", TWO_LEVELS)


def _open(db: Database, clock: FakeClock, severity: str = "P0", service: str = "api") -> int:
    with db.session() as session:
        return incidents.open_incident(
            session, clock, actor="t", title="Checkout down", severity=severity, services=[service]
        ).number


def _run(worker: Worker, clock: FakeClock) -> None:
    """Run the engine until nothing is due (a job retried after a busy SQLite runs again)."""
    for _ in range(3):
        while worker.run_once():
            pass
        clock.advance(seconds=30)


def _to(fake: senders.FakeSender, suffix: str) -> list[str]:
    return [m.body for m in fake.sent if m.url.endswith(suffix)]


def test_initial_and_resolution_go_to_the_channels_from_the_templates(
    db: Database, clock: FakeClock, settings: Settings, fake: senders.FakeSender
) -> None:
    apply(db, clock, _config(OVERRIDES))
    number = _open(db, clock)
    worker = Worker(db, clock, settings, "t")
    _run(worker, clock)
    for room in ("/p0-room", "/core-room"):
        initial = "INITIAL INC-1 [P0] api http://127.0.0.1:8080/ui/incidents/1"
        assert any(b.startswith(initial) for b in _to(fake, room)), _to(fake, room)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.resolve(session, clock, incident, actor="t")
    _run(worker, clock)
    for room in ("/p0-room", "/core-room"):
        assert any(b.startswith("RESOLVED INC-1 at 20") for b in _to(fake, room))
    _run(worker, clock)  # a job run again sends nothing twice
    assert len([b for b in _to(fake, "/p0-room") if b.startswith("RESOLVED")]) == 1


def test_builtin_initial_notification_recorded_where_a_channel_was_reached(
    db: Database, clock: FakeClock, settings: Settings, fake: senders.FakeSender
) -> None:
    apply(db, clock, _config())
    _open(db, clock)
    quiet = _open(db, clock, severity="P2", service="web")  # no channel anywhere
    _run(Worker(db, clock, settings, "t"), clock)
    [body] = [b for b in _to(fake, "/p0-room") if "declared" in b]
    assert "Affected systems: api" in body and "Severity: P0" in body
    assert len([m for m in fake.sent if "declared" in m.body]) == 2  # INC-1's two channels
    with db.session() as session:
        for number, sent in ((1, True), (quiet, False)):
            incident = incidents.get_incident(session, number)
            rows, _ = timeline.timeline_rows(session, incident_id=incident.id, limit=100)
            assert any(r.kind == "comms:initial:sent" for r in rows) is sent


def test_escalation_pages_use_the_escalation_template_with_the_ack_link(
    db: Database, clock: FakeClock, settings: Settings, fake: senders.FakeSender
) -> None:
    apply(db, clock, _config(OVERRIDES))
    _open(db, clock)
    worker = Worker(db, clock, settings, "t")
    _run(worker, clock)
    [first] = _to(fake, "/boss")
    assert not first.startswith("ESCALATED") and "Acknowledge: " in first
    clock.advance(minutes=6)
    _run(worker, clock)
    [escalated] = _to(fake, "/vp")
    assert escalated.startswith("ESCALATED INC-1: INC-1 needs an acknowledgement: level 2")
    assert "Acknowledge: " in escalated


def test_public_update_template_renders_the_status_page_text(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, _config(OVERRIDES))
    number = _open(db, clock)
    body = {"number": number, "name": "Checkout errors", "components": []}
    assert client.post("/api/v1/status/incidents", json=body, headers=admin_headers).is_success
    update = {"state": "identified", "internal": "secret cause", "public": "Cause found."}
    posted = client.post(f"/api/v1/incidents/{number}/updates", json=update, headers=admin_headers)
    assert posted.status_code == 201, posted.text
    page = client.get("/status/api/v2/incidents.json").json()["incidents"][0]
    assert page["incident_updates"][0]["body"] == "PUBLIC identified: Cause found."
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        [(_, text)] = comms.rendered_public_updates(session, incident.id)
    assert "secret" not in text


def test_builtin_public_update_says_when_the_next_one_comes(db: Database, clock: FakeClock) -> None:
    apply(db, clock, _config())
    number = _open(db, clock)
    with db.session() as session:
        comms.post_update(session, clock, number=number, state="identified", internal="x",
                          public="Cause found.", next_update=None, actor="t",
                          smtp_url="mailto://localhost")  # fmt: skip
        incident = incidents.get_incident(session, number)
        [(_, text)] = comms.rendered_public_updates(session, incident.id)
    assert text.startswith("Cause found.\nWe will post the next update by ")
